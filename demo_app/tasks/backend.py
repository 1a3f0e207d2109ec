"""The task backend, chosen once at start-up: where a recorded run goes after the response.

The lifespan keeps `choose_dispatch(settings)` on `app.state.dispatch`; `TaskQueue` and the
manual retry call it with the response's `BackgroundTasks` and a run id.
"""

from __future__ import annotations

from demo_app.config import Settings
from demo_app.tasks.runs import Dispatch, dispatch_inprocess


# --8<-- [start:dispatch]
def choose_dispatch(settings: Settings) -> Dispatch:
    """TASK_BACKEND=inprocess: run it here. TASK_BACKEND=celery: send it to a worker."""
    if settings.task_backend == "celery":
        from demo_app.tasks.celery_app import dispatch_celery  # Celery loads in Celery mode only

        return dispatch_celery
    return dispatch_inprocess


# --8<-- [end:dispatch]
