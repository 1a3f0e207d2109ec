"""Run records: every background task of the app goes through here.

`TaskQueue.add_task(func, *args)` has the signature of `BackgroundTasks.add_task`. It writes
a `TaskRun` row in the request's own session (committed with the request's transaction,
the outbox idea) and schedules `run_task(run_id)` after the response. `run_task` loads the
row, calls the registered function with the stored arguments, and records the outcome. It
never raises, so one failing task does not stop the tasks after it.
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
from fastapi import BackgroundTasks

from demo_app import db
from demo_app.config import get_settings
from demo_app.context import current_request_id, request_id_var
from demo_app.models import TaskRun, utcnow

log = logging.getLogger("demo_app.tasks")

TASKS: dict[str, Callable[..., Any]] = {}
SECRET_WORDS = ("password", "secret", "token")


def task(func: Callable[..., Any]) -> Callable[..., Any]:
    """Register a function so a stored run can find it by name. Returns it unchanged."""
    TASKS[func.__name__] = func
    return func


def stored_arguments(func: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    """The call's arguments by parameter name, refusing secrets (they would be stored)."""
    bound = inspect.signature(func).bind(*args, **kwargs)
    secret = [name for name in bound.arguments if any(w in name for w in SECRET_WORDS)]
    if secret:
        raise ValueError(f"never pass secrets to a background task: {secret}")
    return dict(bound.arguments)


class TaskQueue:
    """What routes use to schedule work for after the response."""

    def __init__(self, background_tasks: BackgroundTasks, session) -> None:
        self.background_tasks = background_tasks
        self.session = session

    def add_task(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> TaskRun:
        if TASKS.get(func.__name__) is not func:
            raise ValueError(f"{func.__name__} is not a registered task (use @task)")
        run = TaskRun(
            name=func.__name__,
            args=stored_arguments(func, args, kwargs),
            request_id=current_request_id(),
        )
        self.session.add(run)
        self.background_tasks.add_task(run_task, run.id)
        return run


def backoff(attempt: int) -> timedelta:
    settings = get_settings()
    return timedelta(seconds=settings.task_retry_base_seconds * 2 ** (attempt - 1))


async def call(func: Callable[..., Any], arguments: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(func):
        return await func(**arguments)
    return await anyio.to_thread.run_sync(partial(func, **arguments))


async def run_task(run_id: str) -> str:
    """Run one recorded task and record how it went. Returns the final status."""
    async with db.session() as session:
        run = await session.get(TaskRun, run_id)
        if run is None:
            log.error("task run %s not found (was the request's transaction committed?)", run_id)
            return "missing"
        if run.status in ("running", "succeeded", "dead"):
            return run.status  # someone else has it, or it is finished
        run.status, run.started_at, run.attempt = "running", utcnow(), run.attempt + 1
        run.next_attempt_at = None
        await session.commit()
        token = request_id_var.set(run.request_id)
        func = TASKS[run.name]
        log.info("task %s started (attempt %d)", run.name, run.attempt)
        started = time.perf_counter()
        try:
            run.result = await call(func, run.args)
        except Exception as exc:
            run.error_type, run.error_message = type(exc).__name__, str(exc)
            run.error_traceback = traceback.format_exc()
            if run.attempt < get_settings().task_max_attempts:
                run.status, run.next_attempt_at = "retrying", utcnow() + backoff(run.attempt)
            else:
                run.status = "dead"
            log.error("task %s failed (%s: %s): %s", run.name, run.error_type, exc, run.status)
        else:
            run.status = "succeeded"
            run.error_type = run.error_message = run.error_traceback = None
        finally:
            request_id_var.reset(token)
        # Not reached when the task is cancelled (shutdown): the run stays "running" and
        # the next start marks it interrupted and runs it again.
        run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        run.finished_at = utcnow()
        await session.commit()
        log.info("task %s %s in %.1f ms", run.name, run.status, run.duration_ms)
        return run.status
