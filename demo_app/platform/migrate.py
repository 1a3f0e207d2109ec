"""The platform ring: the database schema, by Alembic migrations
(`demo_app/platform/migrations/versions/`).

`python -m demo_app migrate` brings a database to the newest migration. In development and
tests the app does the same at start-up, and logs that it did; in production it refuses to
start on a schema that is behind, and says which command to run. (`create_all`, used
before, creates missing tables but never adds a column or an index to an existing one.)

Writing a migration after changing `models.py`:
    DATABASE_URL=sqlite:///var/demo_app.db alembic -c demo_app/platform/migrations/alembic.ini \
        revision --autogenerate -m "what changed"
`tests/demo_app/test_migrations.py` fails while the models and the migrations disagree.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

log = logging.getLogger("demo_app.db")

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaBehind(RuntimeError):
    pass


def config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None, "no migrations"
    return revision


async def current(engine: AsyncEngine) -> str | None:
    """The database's revision (None: never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


# The first migration: the schema `create_all` made before there were migrations.
BASELINE = "0001"


# Two processes starting at once both migrate (uvicorn --workers 2, Celery workers): the
# second waits for this lock, then reads the schema the first one made. Everything it
# decides on (the revision, "made before migrations") is read after the lock, never before:
# read before, it could see no revision, then the first one's commit, then its tables, and
# take a migrated database for one made before migrations.
MIGRATION_LOCK = 0x6D696772  # "migr"


def lock(connection) -> None:
    """Take the migration lock for the connection's transaction (re-entrant)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif (
        connection.dialect.name == "sqlite"
        and not connection.connection.driver_connection.in_transaction
    ):
        # The driver would run each statement on its own: one transaction, the lock first.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _upgrade(connection) -> str | None:
    """Migrate to head under the lock; the revision found once the lock was held."""
    lock(connection)
    before = MigrationContext.configure(connection).get_current_revision()
    if before is None and "users" in inspect(connection).get_table_names():
        # made by `create_all` before migrations: it is the baseline's schema
        log.info("database made before migrations: recorded as at %s", BASELINE)
        command.stamp(config(connection), BASELINE)
    command.upgrade(config(connection), "head")
    return before


async def upgrade(engine: AsyncEngine, attempts: int = 10) -> tuple[str | None, str]:
    """Migrate to head; the revision before and after. Safe with several processes at once."""
    for attempt in range(attempts):
        try:
            async with engine.connect() as connection:
                before = await connection.run_sync(_upgrade)
                await connection.commit()
            return before, head()
        except OperationalError:
            # SQLite: another process holds the write lock for longer than the driver's
            # wait ("database is locked"); PostgreSQL waits on the advisory lock instead.
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


async def prepare(engine: AsyncEngine, migrate: bool) -> None:
    """At start-up: migrate (development, tests), or check the schema is current (production)."""
    if migrate:
        before, after = await upgrade(engine)
        if before == after:
            log.info("database schema at %s (checked at start-up)", after)
        else:
            log.info(
                "database schema migrated from %s to %s at start-up (development); "
                "in production run `python -m demo_app migrate` before starting the app",
                before or "empty",
                after,
            )
        return
    found, wanted = await current(engine), head()
    if found != wanted:
        raise SchemaBehind(
            f"the database schema is at {found or 'nothing'}, this app needs {wanted}: "
            "run `python -m demo_app migrate` first"
        )


async def differences(engine: AsyncEngine) -> list:
    """What autogenerate would put in a new migration: [] when models and schema agree."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
            )
        )
