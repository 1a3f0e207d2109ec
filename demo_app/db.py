"""Shared by the rings: the async engine and sessions. Endpoints and tasks both use
`session()`.

The engine is async (aiosqlite), so no endpoint or `async def` task blocks the event loop on
a database call. SQLite runs in WAL mode with a busy timeout, so concurrent writers wait for
each other instead of failing with "database is locked".

`synchronous=NORMAL`: in WAL mode a commit is written to the log without waiting for the
disk, which syncs at each checkpoint. A crash of the app (or a SIGKILL) loses no committed
transaction; a power cut or an operating-system crash may lose the last commits before
the checkpoint (the database stays consistent). FULL would sync every commit,
at the price of a disk flush in every write (about a dozen per registration).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app import models  # noqa: F401  (registers the tables)

_engine: AsyncEngine | None = None
_sessions: async_sessionmaker[AsyncSession] | None = None


def sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def new_engine(url: str) -> AsyncEngine:
    """An engine for `url`; on SQLite, each connection in WAL mode, waiting on a busy lock."""
    engine = create_async_engine(url)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    return engine


def private_file(path: Path) -> None:
    """Create `path` (and missing folders) readable by this user only, whatever the umask:
    the database holds password hashes and addresses. SQLite gives its -wal and -shm files
    the database file's mode. An existing file or folder keeps its mode: never widened."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def configure(url: str) -> AsyncEngine:
    global _engine, _sessions
    if url.startswith("sqlite") and ":memory:" not in url and "///" in url:
        private_file(Path(url.split("///", 1)[1]))
    _engine = new_engine(url)
    _sessions = async_sessionmaker(_engine, class_=AsyncSession, expire_on_commit=False)
    return _engine


def sync_url(url: str) -> str:
    """The same database for a synchronous driver (the live harness reads runs with it)."""
    for async_driver, sync_driver in (("+aiosqlite", ""), ("+asyncpg", "+psycopg")):
        url = url.replace(async_driver, sync_driver, 1)
    return url


def engine() -> AsyncEngine:
    if _engine is None:
        raise RuntimeError("database not configured: call demo_app.db.configure(url) first")
    return _engine


async def prepare(migrate: bool = True) -> None:
    """At start-up: migrate the schema, or (production) check it is current."""
    from demo_app.platform import (
        migrate as migrations,  # Alembic: loaded by the processes that start
    )

    await migrations.prepare(engine(), migrate)


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
