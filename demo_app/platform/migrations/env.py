"""Alembic's environment: how `demo_app.platform.migrate` (and `alembic`) reach the database.

The app's engine is async, so the migrations run on its connection through `run_sync`:
`demo_app.platform.migrate` passes a synchronous connection in `config.attributes["connection"]`.
Run from the `alembic` command instead (`alembic -c demo_app/platform/migrations/alembic.ini ...`),
this file opens one itself from DATABASE_URL.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from demo_app import models  # noqa: F401  (registers the tables)
from demo_app.config import get_settings
from demo_app.platform.migrate import lock


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE, SQLite's way
        compare_type=True,
    )
    with context.begin_transaction():
        lock(connection)  # one process migrates at a time; re-entrant, so taken again here
        context.run_migrations()


async def run_from_settings() -> None:
    engine = create_async_engine(get_settings().database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not set up for the demo app")
connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    asyncio.run(run_from_settings())
