"""Recovery takes a run over only when its process is known gone.

"Another process" is this one with another instance id: `instance_id` patched where the
scheduler and the claim look it up.
"""

import asyncio
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, delete, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AppInstance, TaskRun, utcnow
from demo_app.runs import queue, runner, scheduler
from demo_app.runs.queue import instance_id, new_run, task
from demo_app.runs.runner import run_task
from tests.demo_app.support import rows

CALLS: list[str] = []
STARTED = asyncio.Event()
RELEASE = asyncio.Event()


@task
async def recovery_probe(label: str) -> str:
    CALLS.append(label)
    return label


@task
async def recovery_blocks_the_loop(seconds: float) -> str:
    CALLS.append("started")
    STARTED.set()
    time.sleep(seconds)  # noqa: ASYNC251  (the mistake this test is about: the loop stops)
    await RELEASE.wait()  # still running after the loop is free again, until the test says
    CALLS.append("finished")
    return "done"


@task
async def recovery_first_attempt_hangs(label: str) -> str:
    """The first call waits for RELEASE (a process that stalls); later calls return at once."""
    CALLS.append(label)
    attempt = len(CALLS)
    if attempt == 1:
        STARTED.set()
        await RELEASE.wait()
    return f"{label} #{attempt}"


@pytest.fixture(autouse=True)
def calls():
    global STARTED, RELEASE  # new events per test: an asyncio.Event binds to its first loop
    STARTED, RELEASE = asyncio.Event(), asyncio.Event()
    CALLS.clear()
    yield CALLS
    CALLS.clear()


@pytest.fixture
def as_other_process(monkeypatch):
    """Make this process call itself `other` (for the scheduler and the claim)."""

    def become(name: str = "other") -> None:
        for module in (queue, runner, scheduler):  # each reads its own imported name
            monkeypatch.setattr(module, "instance_id", lambda: name)

    return become


async def add(*rows_: object) -> None:
    async with db.session() as session:
        session.add_all(rows_)
        await session.commit()


def queued_run(owner: str, label: str, age_seconds: float) -> TaskRun:
    run = new_run(recovery_probe, label)
    run.claimed_by, run.queued_at = owner, utcnow() - timedelta(seconds=age_seconds)
    return run


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


async def test_a_queued_run_of_a_live_process_is_not_taken_however_long_it_waited(
    app, as_other_process
):
    limit = get_settings().instance_stale_after_seconds
    await add(AppInstance(id="busy", heartbeat_at=utcnow()))
    run = queued_run("busy", "waited", age_seconds=4 * limit)
    await add(run)
    as_other_process()
    assert await scheduler.recover_interrupted() == 0
    assert await run_task(run.id) == "queued"  # nor can another process claim it
    [after] = await rows(TaskRun, TaskRun.id == run.id)
    assert (after.status, after.claimed_by, after.attempt) == ("queued", "busy", 0)
    assert CALLS == []


async def test_the_runs_of_a_process_whose_heartbeat_expired_are_taken(app, as_other_process):
    limit = get_settings().instance_stale_after_seconds
    await add(AppInstance(id="gone", heartbeat_at=utcnow() - timedelta(seconds=limit + 1)))
    waiting = queued_run("gone", "never started", age_seconds=1)  # younger than the limit
    half_done = queued_run("gone", "was running", age_seconds=limit + 5)
    half_done.status, half_done.attempt = "running", 1
    await add(waiting, half_done)
    as_other_process()
    assert await scheduler.recover_interrupted() == 2
    assert await rows(AppInstance, AppInstance.id == "gone") == []  # expired: removed
    for run in (waiting, half_done):
        assert await run_task(run.id) == "succeeded"
    done = {r.id: r for r in await rows(TaskRun)}
    assert {r.claimed_by for r in done.values()} == {"other"}
    assert (done[waiting.id].attempt, done[half_done.id].attempt) == (1, 2)
    assert sorted(CALLS) == ["never started", "was running"]


async def test_a_run_taken_over_is_not_run_by_the_process_that_was_thought_gone(
    app, as_other_process
):
    me = instance_id()
    limit = get_settings().instance_stale_after_seconds
    await add(AppInstance(id=me, heartbeat_at=utcnow() - timedelta(seconds=limit + 1)))
    run = queued_run(me, "once", age_seconds=0)
    await add(run)
    as_other_process()
    assert await scheduler.recover_interrupted() == 1
    assert await run_task(run.id) == "succeeded"
    as_other_process(me)  # the first process wakes up: its row is gone, it registers again
    assert await scheduler.beat() is False
    assert await scheduler.beat() is True
    assert await run_task(run.id) == "succeeded"  # finished by the other: not run again
    [after] = await rows(TaskRun, TaskRun.id == run.id)
    assert (after.claimed_by, after.attempt) == ("other", 1)
    assert CALLS == ["once"]


async def test_a_queued_run_is_run_by_its_own_process_or_when_its_owner_has_no_heartbeat(app):
    run = queued_run(instance_id(), "mine", age_seconds=0)
    orphan = queued_run("celery-web-process", "sent to a worker", age_seconds=0)
    await add(run, orphan)  # an owner with no heartbeat row is not a live runner
    assert await run_task(run.id) == await run_task(orphan.id) == "succeeded"
    assert sorted(CALLS) == ["mine", "sent to a worker"]


@pytest.fixture
def stale_after_two_seconds(env, monkeypatch):
    # Two seconds, ten beats: one beat's write late by a second on a loaded machine (two
    # cores, the rest of the suite beside it) must not read as a process gone.
    monkeypatch.setenv("INSTANCE_STALE_AFTER_SECONDS", "2")
    monkeypatch.setenv("SCHEDULER_POLL_SECONDS", "0.2")
    get_settings.cache_clear()


def heartbeat_age(database_url: str, instance: str) -> float:
    """Read with a synchronous driver: the event loop is not needed, nor awaited."""
    engine = create_engine(db.sync_url(database_url))
    try:
        with engine.connect() as connection:
            [(beaten,)] = connection.execute(
                select(AppInstance.heartbeat_at).where(AppInstance.id == instance)
            ).all()
    finally:
        engine.dispose()
    if isinstance(beaten, str):  # SQLite keeps it as text
        beaten = datetime.fromisoformat(beaten)
    return (utcnow() - aware(beaten)).total_seconds()


@pytest.mark.slow  # blocks the loop for seconds
async def test_a_loop_blocked_longer_than_the_limit_does_not_get_its_run_run_twice(
    stale_after_two_seconds, app, as_other_process
):
    me, settings = instance_id(), get_settings()
    runner = scheduler.Scheduler()
    await runner.start()  # registers, and beats from its own thread from now on
    try:
        # Let the first tick's cleanup finish: a loop blocked inside a write transaction
        # holds SQLite's one write lock, and no heartbeat (nor anything else) is written
        # until it ends. The limit must be longer than any write transaction.
        await asyncio.sleep(0.3)
        await asyncio.gather(*runner._running)
        run = new_run(recovery_blocks_the_loop, 3.0)  # 1.5 x the limit
        await add(run)
        job = asyncio.create_task(run_task(run.id))
        await STARTED.wait()  # returns once the loop is free again
        # The loop was blocked for 3 s; the heartbeat thread kept beating meanwhile.
        assert heartbeat_age(settings.database_url, me) < settings.instance_stale_after_seconds
        as_other_process()
        assert await scheduler.recover_interrupted() == 0
        assert await run_task(run.id) == "running"  # the other process cannot claim it
        [during] = await rows(TaskRun, TaskRun.id == run.id)
        assert (during.status, during.claimed_by, during.attempt) == ("running", me, 1)
        as_other_process(me)
        RELEASE.set()
        assert await job == "succeeded"
    finally:
        await runner.stop()
    [after] = await rows(TaskRun, TaskRun.id == run.id)
    assert (after.status, after.claimed_by, after.attempt) == ("succeeded", me, 1)
    assert CALLS == ["started", "finished"]  # run once
    assert await rows(AppInstance, AppInstance.id == me) == []  # stopped: gone


async def test_stop_removes_the_row_so_the_next_process_takes_the_runs_at_once(app):
    async with db.session() as session:
        await session.exec(delete(AppInstance))
        await session.commit()
    runner = scheduler.Scheduler()
    await runner.start()
    assert [r.id for r in await rows(AppInstance)] == [instance_id()]
    await runner.stop()
    assert await rows(AppInstance) == []


async def test_a_late_attempt_does_not_overwrite_the_record_of_the_one_that_took_over(
    app, as_other_process, caplog
):
    """At least once, not exactly once: a run taken over while its first process still runs
    it is executed twice. The fence keeps the record true: the late attempt's outcome is
    not written over the outcome of the attempt that took over."""
    me = instance_id()
    limit = get_settings().instance_stale_after_seconds
    await add(AppInstance(id=me, heartbeat_at=utcnow() - timedelta(seconds=limit + 1)))
    run = new_run(recovery_first_attempt_hangs, "report")
    await add(run)
    first = asyncio.create_task(run_task(run.id))
    await STARTED.wait()  # attempt 1 is running, and its process looks gone
    as_other_process()
    assert await scheduler.recover_interrupted() == 1
    assert await run_task(run.id) == "succeeded"  # attempt 2, by the other process
    as_other_process(me)
    RELEASE.set()
    assert await first == "succeeded"  # the record's status, not attempt 1's own
    [after] = await rows(TaskRun, TaskRun.id == run.id)
    assert (after.claimed_by, after.attempt, after.result) == ("other", 2, "report #2")
    assert CALLS == ["report", "report"]  # executed twice: tasks must be idempotent
    assert "ended after its run was taken over: outcome not recorded" in caplog.text
