"""The demo app: `uvicorn demo_app.main:app`. The routers of the three rings, mounted.

The lesson (lesson/: each pattern's routes and tasks), the runs (runs/: the queue, the
runner, the scheduler, Celery) and the platform (platform/: limits, security, logs,
events, health). demo_app/README.md gives the reading order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline
from starlette.middleware.trustedhost import TrustedHostMiddleware

from demo_app import db
from demo_app.config import get_settings
from demo_app.lesson import items, newsletter, registration, uploads, users
from demo_app.platform import dashboard, events, health, responses
from demo_app.platform.logs import setup_logging
from demo_app.platform.middleware import RequestContextMiddleware
from demo_app.runs import routes as runs
from demo_app.runs.backend import choose_dispatch
from demo_app.runs.scheduler import Scheduler

API = "/api/v1"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    setup_logging(settings.log_format, settings.log_level)
    db.configure(settings.database_url)
    await db.prepare(settings.migrates_at_startup)
    # The task backend, once: in this process, or Celery (loaded now, not in a request).
    app.state.dispatch = choose_dispatch(settings)
    # In Celery mode, beat and the broker do the scheduler's jobs (tasks/celery_app.py).
    inprocess = settings.task_backend == "inprocess"
    app.state.scheduler = Scheduler() if settings.scheduler_enabled and inprocess else None
    if app.state.scheduler:
        await app.state.scheduler.start()
    with events.end_streams_on_exit():  # open event streams must not hold up a stop
        yield
    if app.state.scheduler:
        await app.state.scheduler.stop()
    await db.dispose()


# Every JSON body the API takes (a user, an item, a newsletter of 20,000 characters) fits
# in 64 KiB. FastAPI counts the bytes as they arrive and answers 413 past the limit, from
# Content-Length before a byte is read, or mid-stream for a chunked body: nothing bigger
# is parsed or spooled, and the body is read before auth runs, so this holds for anyone.
MAX_JSON_BODY = 64 * 1024


def create_app() -> FastAPI:
    settings = get_settings()
    # FastAPIOffline: FastAPI whose /docs and /redoc load their scripts and styles from the
    # app itself (the assets ship in the package), not from a CDN: pinned, and they work
    # offline; the pages' Content-Security-Policy can then allow 'self' only.
    app = FastAPIOffline(
        title="Background tasks demo",
        summary="Every pattern of the FastAPI background tasks guide, running for real.",
        lifespan=lifespan,
    )
    hosts = [host.strip() for host in settings.allowed_hosts.split(",") if host.strip()]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)
    app.add_middleware(RequestContextMiddleware)  # outermost of ours: every answer has an id
    app.add_exception_handler(RequestValidationError, responses.validation_error)
    # Set on the routers, not on FastAPI(): FastAPI's app-wide limit sits outside every
    # middleware, so its 413 would leave without a request id; the routes' is inside.
    for module in (registration, users, items, newsletter, runs, events):
        app.include_router(module.router, prefix=API, max_body_size=MAX_JSON_BODY)
    # The upload route's own limit overrides the default: the file plus its multipart frame.
    app.include_router(
        uploads.router,
        prefix=API,
        max_body_size=settings.max_upload_bytes + uploads.MULTIPART_OVERHEAD,
    )
    app.include_router(health.router)
    app.include_router(dashboard.router)
    return app


app = create_app()
