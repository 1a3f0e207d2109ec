"""The runs ring: scheduling a task for after the response, with a record of it.

`TaskQueue.add_task(func, *args)` has the signature of `BackgroundTasks.add_task`, types
included. It writes a `TaskRun` row in the request's own session (committed with the
request's transaction: the outbox idea) and hands its id to the app's `dispatch`
(backend.py), which schedules it for after the response, in this process or on Celery.
The runner (runner.py) then claims the row, calls the function and records the outcome.
"""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, ParamSpec, TypeVar, overload

from fastapi import BackgroundTasks
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app.models import TaskRun
from demo_app.platform.context import current_request_id

P = ParamSpec("P")
R = TypeVar("R")

TASKS: dict[str, Callable[..., Any]] = {}
# A task that emails one address: the parameter naming it. Its runs record the address
# (`TaskRun.recipient`, indexed), and the hourly email quota counts them by it.
RECIPIENTS: dict[str, str] = {}
SECRET_WORDS = ("password", "secret", "token")

# Schedules a recorded run for after the response: in this process, or on Celery.
Dispatch = Callable[[BackgroundTasks, str], None]


def instance_id() -> str:
    """This process. Runs it claims carry the id; its heartbeat tells others it is alive.

    One per process id: a Celery pool process, forked from its worker, gets its own.
    """
    return _instance_id(os.getpid())


@cache
def _instance_id(pid: int) -> str:
    return uuid.uuid4().hex


class NoRetry(ValueError):
    """Raised by a task when trying again cannot help (bad input): the run is `failed`."""


class RetryLater(Exception):
    """Raised by a task that must not go on yet: the run is retried at `at`, whatever
    attempt this was (the wait is not the task failing)."""

    def __init__(self, at: datetime, why: str) -> None:
        super().__init__(why)
        self.at = at


@overload
def task(func: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def task(*, recipient: str) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def task(func: Callable[P, R] | None = None, /, *, recipient: str | None = None) -> Any:
    """Register a function so a stored run can find it by name. Returns it unchanged,
    with its type: a call to it, or `add_task(func, ...)`, is checked like any other.

    `@task(recipient="email")`: the task emails the address in its `email` parameter, and
    its runs count against that address's email quota (platform/quotas.py)."""

    def register(func: Callable[P, R]) -> Callable[P, R]:
        if recipient is not None:
            if recipient not in inspect.signature(func).parameters:
                raise TypeError(f"{func.__name__} has no parameter {recipient!r}")
            RECIPIENTS[func.__name__] = recipient
        TASKS[func.__name__] = func
        return func

    return register if func is None else register(func)


def stored_arguments(func: Callable[..., Any], args: tuple, kwargs: dict) -> dict[str, Any]:
    """The call's arguments by parameter name, refusing secrets (they would be stored)."""
    bound = inspect.signature(func).bind(*args, **kwargs)
    secret = [name for name in bound.arguments if any(w in name for w in SECRET_WORDS)]
    if secret:
        raise ValueError(f"never pass secrets to a background task: {secret}")
    return dict(bound.arguments)


def new_run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> TaskRun:
    if TASKS.get(func.__name__) is not func:
        raise ValueError(f"{func.__name__} is not a registered task (use @task)")
    arguments = stored_arguments(func, args, kwargs)
    recipient = RECIPIENTS.get(func.__name__)
    return TaskRun(
        name=func.__name__,
        args=arguments,
        recipient=arguments[recipient] if recipient else None,
        request_id=current_request_id(),
        claimed_by=instance_id(),
    )


# --8<-- [start:task_queue]
class TaskQueue:
    """What routes use to schedule work for after the response."""

    def __init__(
        self, background_tasks: BackgroundTasks, session: AsyncSession, dispatch: Dispatch
    ) -> None:
        self.background_tasks = background_tasks
        self.session = session
        self.dispatch = dispatch  # in this process or on Celery: chosen at start-up

    def add_task(self, func: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> TaskRun:
        run = new_run(func, *args, **kwargs)
        self.session.add(run)  # committed by the route, with everything else
        self.dispatch(self.background_tasks, run.id)
        return run


# --8<-- [end:task_queue]
