"""Database statements and commits per registration, the tasks included, for one way.

    .venv/bin/python -m bench.costs.round_trips recorded   # way 5: the demo's run records
    .venv/bin/python -m bench.costs.round_trips plain      # way 8: plain BackgroundTasks

It runs the demo in this process (a fresh SQLite file, a local SMTP sink, the scheduler
off), sends N registrations through `httpx.ASGITransport` (which returns once the
request's tasks are done), counts what reaches the database, and prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

WAYS = ("recorded", "plain")


async def count(way: str, registrations: int) -> dict:
    import httpx
    from sqlalchemy import event

    from demo_app import db
    from guide.live.client import new_user

    if way == "plain":
        from bench.costs.demo_plain import app
    else:
        from demo_app.main import app
    seen: Counter[str] = Counter()
    async with app.router.lifespan_context(app):
        engine = db.engine().sync_engine
        event.listen(engine, "before_cursor_execute", lambda *a: seen.update(["statements"]))
        event.listen(engine, "commit", lambda *a: seen.update(["commits"]))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            await http.post("/api/v1/auth/register", json=new_user("warmup"))
            seen.clear()
            for n in range(registrations):
                response = await http.post("/api/v1/auth/register", json=new_user(f"user{n}"))
                response.raise_for_status()
    return {"way": way} | {key: seen[key] / registrations for key in ("statements", "commits")}


def main(argv: list[str]) -> int:
    from demo_app.platform.mailbox import MailSink
    from guide.live import FAST_HASHING, demo_env

    way = argv[0] if argv else "recorded"
    if way not in WAYS:
        raise SystemExit(f"way: one of {WAYS}")
    with tempfile.TemporaryDirectory(prefix="bench-trips-") as tmp, MailSink() as sink:
        env = demo_env(Path(tmp), sink.port) | FAST_HASHING
        os.environ.update(env | {"LOG_LEVEL": "WARNING", "SCHEDULER_ENABLED": "false"})
        print(json.dumps(asyncio.run(count(way, 20))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
