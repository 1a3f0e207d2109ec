"""The runs ring: running one recorded task and recording how it went.

`run_task(run_id)` claims the row (one process wins it), calls the registered function with
the stored arguments, and writes the outcome behind a fence. It never raises, so one
failing task does not stop the tasks after it; a failure is retried with backoff.
"""

from __future__ import annotations

import inspect
import logging
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import anyio.to_thread
from sqlalchemy import bindparam, or_, update
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AppInstance, RunStatus, TaskRun, utcnow
from demo_app.platform.context import request_id_var, run_id_var
from demo_app.platform.log_events import (
    TASK_ENDED,
    TASK_OUTCOME_DROPPED,
    TASK_RAISED,
    TASK_STARTED,
)
from demo_app.runs.queue import TASKS, NoRetry, RetryLater, instance_id

log = logging.getLogger("demo_app.tasks")
RUNS = TaskRun.__table__  # type: ignore[attr-defined]


async def status_of(run_id: str) -> RunStatus | None:
    """Where a run is now (None: no such run)."""
    async with db.engine().connect() as connection:
        found = await connection.execute(select(TaskRun.status).where(col(TaskRun.id) == run_id))
        status = found.scalar_one_or_none()
    return None if status is None else RunStatus(status)


def backoff(attempt: int) -> timedelta:
    """2, 4, 8, 16... times the base delay."""
    return timedelta(seconds=get_settings().task_retry_base_seconds * 2 ** (attempt - 1))


async def call(func: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(func):
        return await func(**arguments)
    return await anyio.to_thread.run_sync(partial(func, **arguments))


# --8<-- [start:claim_run]
# The claim and the outcome: statements built once, run on a connection (no session): each
# run passes only its values (building them per run cost more CPU than SQLite's own work).
NOW = bindparam("now", type_=RUNS.c.started_at.type)
ME = bindparam("me", type_=RUNS.c.claimed_by.type)
# any process's, by any process, once due (a message delivered early waits for the sweep)
DUE = col(TaskRun.status).in_((RunStatus.RETRYING, RunStatus.INTERRUPTED)) & or_(
    col(TaskRun.next_attempt_at).is_(None), col(TaskRun.next_attempt_at) <= NOW
)
ALIVE = select(AppInstance.id).where(col(AppInstance.id) != ME)
QUEUED_FOR_ME = (col(TaskRun.status) == RunStatus.QUEUED) & or_(
    col(TaskRun.claimed_by).is_(None), col(TaskRun.claimed_by).not_in(ALIVE)
)
CLAIM = (
    update(TaskRun)
    .where(col(TaskRun.id) == bindparam("run_id"))
    .where(or_(DUE, QUEUED_FOR_ME))
    .values(
        status=RunStatus.RUNNING,
        attempt=TaskRun.attempt + 1,
        started_at=NOW,
        next_attempt_at=None,
        claimed_by=ME,
    )
    .returning(*RUNS.c)
)


async def claim_run(run_id: str) -> TaskRun | None:
    """Move a run this process may take to `running` in one UPDATE: one process wins it,
    and gets the claimed row back from the same statement (None: not claimed).

    It may take a run that is `retrying` or `interrupted` (anyone's, once its
    `next_attempt_at` has come), or one `queued` for it: recorded by this process, or by
    one known gone (no heartbeat row: a Celery mode web process, which runs nothing
    itself, or one whose heartbeat expired).
    Never a run another process is running or has queued for itself.
    """
    async with db.engine().begin() as connection:  # committed on the way out
        claimed = await connection.execute(
            CLAIM, {"run_id": run_id, "now": utcnow(), "me": instance_id()}
        )
        row = claimed.one_or_none()
    return None if row is None else TaskRun(**row._mapping)


# --8<-- [end:claim_run]


# --8<-- [start:record_failure]
def record_failure(run: TaskRun, exc: Exception) -> None:
    run.error_type, run.error_message = type(exc).__name__, str(exc)
    run.error_traceback = traceback.format_exc()
    if isinstance(exc, NoRetry):
        run.status = RunStatus.FAILED
    elif isinstance(exc, RetryLater):
        run.status, run.next_attempt_at = RunStatus.RETRYING, exc.at
    elif run.attempt < get_settings().task_max_attempts:
        run.status, run.next_attempt_at = RunStatus.RETRYING, utcnow() + backoff(run.attempt)
    else:
        run.status = RunStatus.DEAD


# --8<-- [end:record_failure]


def attempt_of(run: TaskRun) -> dict[str, Any]:
    """The fields that name a run's attempt in its log events."""
    return {"task": run.name, "run_id": run.id, "attempt": run.attempt}


def ended(run: TaskRun) -> dict[str, Any]:
    """The `extra=` of the line that says how an attempt ended (`task.ended`)."""
    at = run.next_attempt_at
    return TASK_ENDED.extra(
        **attempt_of(run),
        status=str(run.status),
        duration_ms=run.duration_ms,
        next_attempt_at=at.isoformat() if at else None,
    )


# --8<-- [start:run_task]
async def run_task(run_id: str, time_limit: float | None = None) -> RunStatus | None:
    """Run one recorded task and record how it went. Returns the run's status (None: no run).

    `time_limit` (Celery mode's soft limit, in seconds): an attempt that takes longer is
    cancelled and recorded as a failure (`TimeoutError`), so it is retried like any other.
    """
    run = await claim_run(run_id)  # committed: no connection held below
    if run is None:  # finished, another process has it, or no such run
        return await status_of(run_id)
    # its outcome is written by `record_outcome`, fenced, below
    token = request_id_var.set(run.request_id)
    run_token = run_id_var.set(run.id)
    try:
        which = attempt_of(run)  # the fields of its log events (log_events.py)
        began = TASK_STARTED.extra(**which)
        log.info("task %s started (attempt %d)", run.name, run.attempt, extra=began)
        started = time.perf_counter()
        try:
            with anyio.fail_after(time_limit):
                run.result = await call(TASKS[run.name], run.args)
        except Exception as exc:
            record_failure(run, exc)
            raised = TASK_RAISED.extra(**which, error_type=run.error_type)
            log.error("task %s failed: %s: %s", run.name, run.error_type, exc, extra=raised)
        else:
            run.status = RunStatus.SUCCEEDED
            run.error_type = run.error_message = run.error_traceback = None
        # Not reached when the task is cancelled (shutdown): the run stays `running`,
        # and is found as interrupted and run again once this process is gone.
        run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        run.finished_at = utcnow()
        if not await record_outcome(run):
            log.warning(
                "task %s attempt %d ended after its run was taken over: outcome not recorded",
                run.name,
                run.attempt,
                extra=TASK_OUTCOME_DROPPED.extra(**which),
            )
            return await status_of(run_id)
        took = f"attempt {run.attempt} took {run.duration_ms:.1f} ms"
        if run.status == RunStatus.RETRYING:
            when = run.next_attempt_at
            log.info("task %s retrying at %s (%s)", run.name, when, took, extra=ended(run))
        else:
            log.info("task %s %s (%s)", run.name, run.status, took, extra=ended(run))
        return run.status
    finally:
        request_id_var.reset(token)
        run_id_var.reset(run_token)


# --8<-- [end:run_task]


# --8<-- [start:record_outcome]
FENCED = (  # the run, only while this attempt holds it; SET: the values passed
    update(TaskRun)
    .where(col(TaskRun.id) == bindparam("run_id"))
    .where(col(TaskRun.status) == RunStatus.RUNNING)
    .where(col(TaskRun.claimed_by) == bindparam("holder"))
    .where(col(TaskRun.attempt) == bindparam("this_attempt"))
)


async def record_outcome(run: TaskRun) -> bool:
    """Write an attempt's outcome only while the run is still this attempt's (a fence).

    Recovery can hand a run to another process while this one still runs it (a process
    thought gone, a queued run taken over): both then execute it, which is why tasks must be
    idempotent. What the fence prevents is the late attempt overwriting the record of the
    one that took over. False: the outcome was not written.
    """
    async with db.engine().begin() as connection:
        written = await connection.execute(
            FENCED,
            {
                "run_id": run.id,
                "holder": run.claimed_by,
                "this_attempt": run.attempt,
                "status": run.status,
                "result": run.result,
                "next_attempt_at": run.next_attempt_at,
                "error_type": run.error_type,
                "error_message": run.error_message,
                "error_traceback": run.error_traceback,
                "duration_ms": run.duration_ms,
                "finished_at": run.finished_at,
            },
        )
    return written.rowcount == 1


# --8<-- [end:record_outcome]
