"""The demo app: `uvicorn demo_app.main:app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from demo_app import db
from demo_app.api import api_router
from demo_app.api.health import router as health_router
from demo_app.config import get_settings
from demo_app.limits import UploadSizeLimit
from demo_app.logs import setup_logging
from demo_app.middleware import RequestContextMiddleware
from demo_app.tasks.backend import choose_dispatch
from demo_app.tasks.scheduler import Scheduler


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    setup_logging(settings.log_format, settings.log_level)
    db.configure(settings.database_url)
    await db.create_tables()
    # The task backend, once: in this process, or Celery (loaded now, not in a request).
    app.state.dispatch = choose_dispatch(settings)
    # In Celery mode, beat and the broker do the scheduler's jobs (tasks/celery_app.py).
    inprocess = settings.task_backend == "inprocess"
    app.state.scheduler = Scheduler() if settings.scheduler_enabled and inprocess else None
    if app.state.scheduler:
        await app.state.scheduler.start()
    yield
    if app.state.scheduler:
        await app.state.scheduler.stop()
    await db.dispose()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Background tasks demo",
        summary="Every pattern of the FastAPI background tasks guide, running for real.",
        lifespan=lifespan,
    )
    app.add_middleware(UploadSizeLimit)
    app.add_middleware(RequestContextMiddleware)  # added last: the outermost
    app.include_router(api_router)
    app.include_router(health_router)
    return app


app = create_app()
