"""The runs ring: the task backend, chosen once at start-up, where a recorded run goes
after the response.

The lifespan keeps `choose_dispatch(settings)` on `app.state.dispatch`; `TaskQueue` and the
manual retry call it with the response's `BackgroundTasks` and a run id.
"""

from __future__ import annotations

from fastapi import BackgroundTasks

from demo_app.config import Settings
from demo_app.runs.queue import Dispatch
from demo_app.runs.runner import run_task


# --8<-- [start:dispatch_inprocess]
def dispatch_inprocess(background_tasks: BackgroundTasks, run_id: str) -> None:
    """After the response, so after the route's commit: run it in this process."""
    background_tasks.add_task(run_task, run_id)


# --8<-- [end:dispatch_inprocess]


# --8<-- [start:dispatch]
def choose_dispatch(settings: Settings) -> Dispatch:
    """TASK_BACKEND=inprocess: run it here. TASK_BACKEND=celery: send it to a worker."""
    if settings.task_backend == "celery":
        from demo_app.runs.celery_app import dispatch_celery  # Celery loads in Celery mode only

        return dispatch_celery
    return dispatch_inprocess


# --8<-- [end:dispatch]
