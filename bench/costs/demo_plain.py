"""The demo app with its tasks on plain `BackgroundTasks`: no run records.

The same app, routes, models, database, email and audit tasks as the demo; only the
`Tasks` dependency is swapped: `add_task(func, *args)` goes straight to the response's
`BackgroundTasks`, as in section 2 of the guide. No `TaskRun` row is written, claimed or
finished, so a crash, a failing task or a restart loses the work: this is what the
recorded runs are measured against (way 5 over this way is the price of durability).
The email task still takes its idempotency key (it is the task's own code, the same
in both ways).

    uvicorn bench.costs.demo_plain:app
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import BackgroundTasks

from demo_app.deps import get_task_queue
from demo_app.main import app


class PlainQueue:
    """`Tasks` without the records: `BackgroundTasks.add_task`, nothing written."""

    def __init__(self, background_tasks: BackgroundTasks) -> None:
        self.background_tasks = background_tasks

    def add_task(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        self.background_tasks.add_task(func, *args, **kwargs)


async def plain_queue(background_tasks: BackgroundTasks) -> PlainQueue:
    return PlainQueue(background_tasks)


app.dependency_overrides[get_task_queue] = plain_queue
