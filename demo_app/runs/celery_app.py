"""The runs ring: the same tasks on Celery and Redis: `celery -A demo_app.runs.celery_app
worker`.

With TASK_BACKEND=celery the routes still write a `TaskRun` row in the request's transaction;
the app's dispatch is `dispatch_celery` (tasks/backend.py), so after the response
`send_to_celery` puts the run's id (and nothing else) on the queue. A
worker's `execute_run` calls the same `run_task` as the in-process path, so there is no second
copy of any task, and the run records, stats and timelines are the same in both modes.

Delivered at least once, run once:

- acks_late: a message is acknowledged after its task ran, so a worker that dies mid-task
  leaves it unacknowledged in Redis; once the visibility timeout has passed, kombu's next
  restore sweep puts it back on the queue, for any worker (the same one included);
- reject_on_worker_lost: a pool process killed mid-task puts its message back at once;
- the claim in `run_task`: a run delivered twice runs once. A run still `running` past the
  hard time limit has no live attempt (the pool kills an attempt at the limit, and the pool
  processes of a killed worker die with it), so the next delivery takes it over;
- the tasks' idempotency keys: what a killed attempt already sent is not sent again.

Retries keep the in-process semantics: `run_task` records `retrying` with the next attempt's
time; `execute_run` turns that into `self.retry(countdown=...)`. In Celery mode the app runs
no in-process scheduler: beat sends `cleanup_old_data` and the `recover_runs` sweep.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from fastapi import BackgroundTasks
from sqlalchemy import or_, update
from sqlmodel import col, select

import demo_app.lesson.tasks  # noqa: F401  (registers the tasks in TASKS)
import demo_app.runs.retention  # noqa: F401  (registers cleanup_old_data)
from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AppInstance, RunStatus, TaskRun, as_utc, utcnow
from demo_app.platform.logs import setup_logging
from demo_app.runs.queue import TASKS, new_run
from demo_app.runs.runner import run_task

log = logging.getLogger("demo_app.tasks")
settings = get_settings()
# The pool checks time limits about once a second: give it that long to have killed an attempt.
KILL_GRACE_SECONDS = 2.0

# --8<-- [start:celery_app]
celery_app = Celery(
    "demo_app",
    broker=settings.celery_broker_url or settings.redis_url,
    backend=settings.celery_result_backend or settings.redis_url,
)
celery_app.conf.update(
    task_acks_late=True,  # acknowledge after the task ran, not when a worker took it
    task_reject_on_worker_lost=True,  # a pool process died mid-task: requeue its message
    worker_prefetch_multiplier=1,  # one message per process at a time; the rest wait in Redis
    task_time_limit=settings.task_time_limit_seconds,  # hard limit: the process is killed
    # (The soft limit is an asyncio timeout in `run_task`: Celery's raises an exception from
    # a signal handler wherever the code is, usually the event loop's select(), which tears
    # the loop down and leaves the run record unfinished.)
    broker_transport_options={
        "visibility_timeout": settings.celery_visibility_timeout,
        # How often a worker looks for messages past the timeout (kombu: every 100 s).
        "unacked_restore_interval": min(10.0, max(0.5, settings.celery_visibility_timeout / 4)),
        "unacked_restore_throttle": 1,
    },
    broker_connection_retry_on_startup=True,
    result_expires=timedelta(days=1),
    worker_redirect_stdouts=False,  # the tasks' prints and the app's log lines, as they are
    timezone="UTC",
    beat_schedule={
        "cleanup_old_data": {
            "task": "demo_app.enqueue",
            "schedule": settings.cleanup_interval_seconds,
            "args": ("cleanup_old_data",),
        },
        "recover_runs": {
            "task": "demo_app.recover_runs",
            "schedule": settings.instance_stale_after_seconds,
        },
    },
)
# --8<-- [end:celery_app]


# One event loop per worker process, made with the database engine on first use: the engine's
# pooled connections belong to the loop that opened them, so both live as long as the process.
# (asyncio.run per task would work too, at the cost of a new engine and connection per task.)
# A prefork pool process is forked before its first task, so nothing is shared with the parent
# (and `runs.instance_id()` gives each pool process its own id, so `claimed_by` names it).
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    global _loop, _loop_pid
    if _loop is None or _loop_pid != os.getpid():
        _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
        setup_logging(settings.log_format, settings.log_level)
        db.configure(settings.database_url)
        _loop.run_until_complete(db.prepare(settings.migrates_at_startup))
    return _loop.run_until_complete(coro)


def abandoned(now: datetime):
    """`running` for longer than any attempt may live: its process was killed."""
    limit = settings.task_time_limit_seconds + KILL_GRACE_SECONDS
    return (col(TaskRun.status) == RunStatus.RUNNING) & (
        col(TaskRun.started_at) < now - timedelta(seconds=limit)
    )


def seconds_until(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (as_utc(moment) - utcnow()).total_seconds())


async def attempt(run_id: str, redelivered: bool) -> tuple[RunStatus | None, float | None]:
    """Run it; return its status and, if it must be delivered again, in how many seconds."""
    async with db.session() as session:
        await session.exec(
            update(TaskRun)
            .where(col(TaskRun.id) == run_id, abandoned(utcnow()))
            .values(status=RunStatus.INTERRUPTED)
        )
        await session.commit()
    status = await run_task(run_id, time_limit=settings.task_soft_time_limit_seconds)
    if status not in (RunStatus.RETRYING, RunStatus.RUNNING):
        return status, None
    async with db.session() as session:
        run = await session.get(TaskRun, run_id)
    if run is None:  # purged meanwhile: nothing left to run
        return status, None
    if status == RunStatus.RETRYING:  # after the backoff `run_task` recorded, like the scheduler
        return status, seconds_until(run.next_attempt_at)
    # Redelivered: the first delivery's attempt may be dead. Look again past its limit.
    if redelivered and run.started_at:  # (a running run always has started_at)
        limit = settings.task_time_limit_seconds + KILL_GRACE_SECONDS + 0.1
        again_in = seconds_until(run.started_at + timedelta(seconds=limit))
        log.warning("run %s came back while running: looking again in %.1f s", run_id, again_in)
        return status, again_in
    return status, None  # sent twice (a recover_runs sweep): the other message has it


# --8<-- [start:execute_run]
@celery_app.task(name="demo_app.execute_run", bind=True, max_retries=None)
def execute_run(self, run_id: str) -> RunStatus | None:
    """Run one recorded task on this worker: the same `run_task` as the in-process path."""
    redelivered = bool(self.request.delivery_info.get("redelivered"))
    status, again_in = run_async(attempt(run_id, redelivered))
    if again_in is not None:
        raise self.retry(countdown=again_in)
    return status


# --8<-- [end:execute_run]


# --8<-- [start:dispatch_celery]
def dispatch_celery(background_tasks: BackgroundTasks, run_id: str) -> None:
    """After the response, so after the route's commit: send it to a Celery worker."""
    background_tasks.add_task(send_to_celery, run_id)


# --8<-- [end:dispatch_celery]


# --8<-- [start:send_to_celery]
def send_to_celery(run_id: str) -> None:
    """A background task of the response: queue the run for a worker. Only the id travels.

    A plain `def`: BackgroundTasks runs it in a thread, so a slow Redis never holds the loop.
    """
    try:
        execute_run.delay(run_id)
    except Exception:  # Redis unreachable: the row stays `queued`, recover_runs sends it
        log.exception("could not queue run %s; the recover_runs sweep will", run_id)


# --8<-- [end:send_to_celery]


async def record(name: str) -> str:
    run = new_run(TASKS[name])
    async with db.session() as session:
        session.add(run)
        await session.commit()
    return run.id


@celery_app.task(name="demo_app.enqueue")
def enqueue(name: str) -> str:
    """Beat's way in: record a run of the registered task `name`, and queue it like any other."""
    run_id = run_async(record(name))
    execute_run.delay(run_id)
    return run_id


async def lost_runs(limit: int = 100) -> list[str]:
    """Runs no message will bring to a worker: killed past their time limit (the hard limit
    acknowledges the message), queued but never sent (the web process died or Redis was
    down), or retrying long past their time (the delayed message was lost).

    Unlike the in-process scheduler's recovery, this takes nothing away from a live process:
    in Celery mode the web process is not the runner (it runs no scheduler, so it has no
    heartbeat row), and a `queued` run is only a message that may not have been sent. Sending
    it again is all this does: if the first message was sent and is still waiting behind
    others, the run is claimed once by whichever message comes first, and the other finds
    it running or finished and does nothing. So a run still `queued` after the stale limit
    is re-sent (at most `limit` per sweep, so a long backlog grows by that much, not by
    itself). A run `queued` for a live in-process instance (one with a heartbeat row, if
    both modes share a database) is left to that process, as its scheduler would.
    """
    now = utcnow()
    stale = now - timedelta(seconds=settings.instance_stale_after_seconds)
    async with db.session() as session:
        await session.exec(
            update(TaskRun)
            .where(abandoned(now))
            .values(status=RunStatus.INTERRUPTED, next_attempt_at=now)
        )
        await session.commit()
        not_a_live_instance = or_(
            col(TaskRun.claimed_by).is_(None),
            col(TaskRun.claimed_by).not_in(select(AppInstance.id)),
        )
        found = await session.exec(
            select(TaskRun.id)
            .where(
                or_(
                    col(TaskRun.status) == RunStatus.INTERRUPTED,
                    (col(TaskRun.status) == RunStatus.QUEUED)
                    & (col(TaskRun.queued_at) < stale)
                    & not_a_live_instance,
                    (col(TaskRun.status) == RunStatus.RETRYING)
                    & (col(TaskRun.next_attempt_at) < stale),
                )
            )
            .limit(limit)
        )
        return list(found.all())


@celery_app.task(name="demo_app.recover_runs")
def recover_runs() -> int:
    """Beat's outbox sweep. Sending a run twice is harmless: the claim runs it once."""
    run_ids = run_async(lost_runs())
    for run_id in run_ids:
        execute_run.delay(run_id)
    if run_ids:
        log.warning("recover_runs: %d runs sent again", len(run_ids))
    return len(run_ids)
