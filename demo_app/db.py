"""The async engine and sessions. Endpoints and tasks both use `session()`.

The engine is async (aiosqlite), so no endpoint or `async def` task blocks the event loop on
a database call. SQLite runs in WAL mode with a busy timeout, so concurrent writers wait for
each other instead of failing with "database is locked".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app import models  # noqa: F401  (registers the tables)

_engine: AsyncEngine | None = None
_sessions: async_sessionmaker[AsyncSession] | None = None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def configure(url: str) -> AsyncEngine:
    global _engine, _sessions
    if url.startswith("sqlite") and ":memory:" not in url and "///" in url:
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    _engine = create_async_engine(url)
    if url.startswith("sqlite"):
        event.listen(_engine.sync_engine, "connect", _sqlite_pragmas)
    _sessions = async_sessionmaker(_engine, class_=AsyncSession, expire_on_commit=False)
    return _engine


def engine() -> AsyncEngine:
    if _engine is None:
        raise RuntimeError("database not configured: call demo_app.db.configure(url) first")
    return _engine


async def create_tables(attempts: int = 10) -> None:
    for attempt in range(attempts):
        try:
            async with engine().begin() as conn:
                await conn.run_sync(SQLModel.metadata.create_all)
            return
        except OperationalError:  # another worker process is creating them right now
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1 * (attempt + 1))


def session() -> AsyncSession:
    """A new session: `async with db.session() as s: ...`."""
    if _sessions is None:
        raise RuntimeError("database not configured: call demo_app.db.configure(url) first")
    return _sessions()


async def get_session() -> AsyncIterator[AsyncSession]:
    async with session() as s:
        yield s


async def dispose() -> None:
    if _engine is not None:
        await _engine.dispose()
