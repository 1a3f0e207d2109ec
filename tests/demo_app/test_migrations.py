"""The schema comes from Alembic migrations, on SQLite and PostgreSQL.

`database_url` (conftest) gives each test an empty database of its own, on each database.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from demo_app.platform import migrate

# SQLite cannot reflect expression indexes; the migration writes that one by hand.
SQLITE_EXPRESSION_INDEX = "ignore:autogenerate skipping metadata-specified expression-based index"
SQLITE_REFLECTION = "ignore:Skipped unsupported reflection of expression-based index"


@pytest.fixture
def app_database_url(database_url):
    """Here the app starts on the empty database too: what it does to one is the subject."""
    return database_url


@pytest.fixture
async def engine(database_url):
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def tables(engine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


@pytest.mark.filterwarnings(SQLITE_EXPRESSION_INDEX, SQLITE_REFLECTION)
async def test_the_migrations_make_exactly_the_schema_the_models_describe(engine):
    assert await migrate.upgrade(engine) == (None, migrate.head())
    assert await migrate.differences(engine) == []  # autogenerate: nothing to do
    assert await tables(engine) == set(SQLModel.metadata.tables) | {"alembic_version"}


async def test_migrating_again_changes_nothing(engine):
    await migrate.upgrade(engine)
    assert await migrate.upgrade(engine) == (migrate.head(), migrate.head())


async def test_a_migration_waiting_for_the_lock_reads_the_schema_only_once_it_holds_it(
    engine, database_url
):
    """One process holds the migration lock and migrates; the other starts meanwhile. The
    second reads the revision (and whether the tables predate migrations) after the first
    one's commit, under the lock: it finds head and changes nothing. Read before the lock,
    it could find no revision, then the first one's tables, and stamp and re-run them."""
    first = create_async_engine(database_url)
    try:
        async with first.connect() as holder:
            await holder.run_sync(migrate.lock)
            await holder.run_sync(lambda sync: command.upgrade(migrate.config(sync), "head"))
            second = asyncio.create_task(migrate.upgrade(engine))
            await asyncio.sleep(0.2)
            assert not second.done()  # it waits for the lock
            await holder.commit()
        assert await second == (migrate.head(), migrate.head())
    finally:
        await first.dispose()


@pytest.mark.live  # runs `python -m demo_app migrate` processes
def test_two_processes_migrating_at_once_both_end_at_head(env):
    """Two web processes starting together (uvicorn --workers 2): one migrates, the other
    waits (PostgreSQL's advisory lock) or retries (SQLite's write lock) and finds it done."""
    command = [sys.executable, "-m", "demo_app", "migrate"]
    both = [
        subprocess.Popen(
            command, env=os.environ | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    said = sorted(out.strip() for out, _ in outputs)
    head = migrate.head()
    assert said in (
        [f"schema: {head}, current", f"schema: empty -> {head}"],  # one waited for the other
        [f"schema: empty -> {head}"] * 2,  # both found it empty; the second's upgrade was a no-op
    )


def baseline_without_revision(connection) -> None:
    """The schema `create_all` made before migrations (the baseline's), with no revision."""
    command.upgrade(migrate.config(connection), migrate.BASELINE)
    connection.execute(text("DROP TABLE alembic_version"))


async def test_email_runs_recorded_before_recipients_were_count_against_their_address(engine):
    """Upgraded to 0004, the runs already recorded get their recipient from their arguments:
    the email quota of the hour still counts them. The newsletter's runs name no one."""
    rows = [
        ("send_welcome_email", {"email": "ann@example.com", "username": "ann"}),
        ("send_item_notification", {"recipient_email": "bob@example.com", "item_id": 1}),
        ("send_batch_email", {"recipient_list": ["ann@example.com"], "batch_id": "b"}),
    ]
    insert = text(
        "INSERT INTO task_runs (id, name, args, status, attempt, queued_at)"
        " VALUES (:id, :name, :args, 'queued', 0, CURRENT_TIMESTAMP)"
    )
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(migrate.config(sync), "0003"))
        for n, (name, args) in enumerate(rows):
            await connection.execute(insert, {"id": str(n), "name": name, "args": json.dumps(args)})
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        found = await connection.execute(text("SELECT name, recipient FROM task_runs ORDER BY id"))
        assert found.all() == [
            ("send_welcome_email", "ann@example.com"),
            ("send_item_notification", "bob@example.com"),
            ("send_batch_email", None),
        ]


@pytest.mark.filterwarnings(SQLITE_EXPRESSION_INDEX, SQLITE_REFLECTION)
async def test_a_database_made_by_create_all_before_migrations_is_taken_over(engine):
    async with engine.begin() as connection:
        await connection.run_sync(baseline_without_revision)
    assert await migrate.current(engine) is None
    assert await migrate.upgrade(engine) == (None, migrate.head())
    assert await migrate.differences(engine) == []


async def test_production_refuses_a_schema_that_is_behind_and_says_what_to_run(engine):
    with pytest.raises(migrate.SchemaBehind, match="python -m demo_app migrate"):
        await migrate.prepare(engine, migrate=False)
    await migrate.upgrade(engine)
    await migrate.prepare(engine, migrate=False)  # current: starts


@pytest.mark.live  # runs `python -m demo_app migrate` processes
def test_python_m_demo_app_migrate_says_what_it_did(env):
    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "demo_app", "migrate"],
            env=os.environ | env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run() == f"schema: empty -> {migrate.head()}"
    assert run() == f"schema: {migrate.head()}, current"
