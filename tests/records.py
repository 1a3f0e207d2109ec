"""Raw SQL on a demo app's database, SQLite or PostgreSQL, from outside the app.

`query(stack, "SELECT status FROM task_runs WHERE name = ?", name)`: `?` placeholders on
both (turned into psycopg's `%s`). JSON columns are text only on SQLite: compare them as
`CAST(args AS TEXT) LIKE ?`, which both understand. `wait_until` polls for what a process
writes after its response (a task's outcome, a request's record); `eventually` polls on the
event loop, for what runs on the test's own loop (the scheduler of an ASGI-tested app).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import create_engine

from demo_app.db import sync_url


def _url(where: Any) -> str:
    return where if isinstance(where, str) else where.database_url


def query(where: Any, sql: str, *params: Any) -> list[tuple]:
    """Rows of a SELECT; `where` is a database URL or anything with `.database_url`."""
    return _run(_url(where), sql, params, fetch=True)


def execute(where: Any, sql: str, *params: Any) -> None:
    _run(_url(where), sql, params, fetch=False)


def _run(url: str, sql: str, params: tuple, fetch: bool) -> list[tuple]:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                sql = sql.replace("%", "%%").replace("?", "%s")
            result = connection.exec_driver_sql(sql, params)
            return [tuple(row) for row in result.all()] if fetch else []
    finally:
        engine.dispose()


def wait_until(check, timeout: float = 30.0):
    """Poll `check()` until it returns something truthy (tasks finish after responses)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {result!r} after {timeout}s")
        time.sleep(0.05)
    return result


async def eventually(check, seconds: float = 10.0, every: float = 0.02):
    """`wait_until` on the event loop: poll while what is polled goes on running."""
    for _ in range(int(seconds / every) + 1):
        if result := check():
            return result
        await asyncio.sleep(every)
    raise TimeoutError(f"still {check()!r} after {seconds}s")
