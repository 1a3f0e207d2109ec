"""Database statements and commits per registration (the tasks included), and per call of
what runs all the time whether anyone registers or not.

    .venv/bin/python -m bench.costs.round_trips recorded   # way 5: the demo's run records
    .venv/bin/python -m bench.costs.round_trips plain      # way 8: plain BackgroundTasks
    .venv/bin/python -m bench.costs.round_trips health     # one GET /health
    .venv/bin/python -m bench.costs.round_trips tick       # one idle scheduler tick
    .venv/bin/python -m bench.costs.round_trips poll       # one event-stream poll

It runs the demo in this process (a fresh SQLite file, a local SMTP sink, the scheduler
off), sends N registrations through `httpx.ASGITransport` (which returns once the
request's tasks are done), or makes N calls of the others, counts what reaches the
database, and prints one JSON line. The idle tick includes the heartbeat, which a running
scheduler beats on a thread of its own (one UPDATE and one commit per poll interval).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

WAYS = ("recorded", "plain", "health", "tick", "poll")


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

            async def once(n: int) -> None:
                if way in ("recorded", "plain"):
                    response = await http.post("/api/v1/auth/register", json=new_user(f"user{n}"))
                    response.raise_for_status()
                elif way == "health":
                    (await http.get("/health")).raise_for_status()
                else:
                    await CALLS[way]()

            await once(-1)  # a warm-up; and the first tick takes the cleanup lease and cleans
            seen.clear()
            for n in range(registrations):
                await once(n)
    return {"way": way} | {key: seen[key] / registrations for key in ("statements", "commits")}


async def idle_tick() -> None:
    from demo_app.runs.scheduler import Scheduler

    scheduler = Scheduler()
    await scheduler.tick()
    await asyncio.gather(*scheduler._running)  # the cleanup lease, held elsewhere


async def one_poll() -> None:
    from demo_app import db
    from demo_app.models import utcnow
    from demo_app.platform.events import Changes

    async with db.session() as session:
        await Changes(utcnow()).poll(session)


CALLS = {"tick": idle_tick, "poll": one_poll}


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
