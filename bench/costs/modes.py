"""The seven ways, each started on 127.0.0.1 with a slow-able mail sink.

`Mode.start(deliveries, redis)` is a context manager that yields the `Target` to load and
the `MailSink` whose `.delay` the runner sets. Modes 1-4 and the baseline are routes of
`bench.costs.apps`; 5 and 6 are the demo app (its recorded runs in-process, then on
Celery with workers the harness starts); 7 is `bench.costs.taskiq_app` and its worker.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.costs.load import Deliveries, Target
from demo_app.platform.mailbox import MailSink
from guide.live import FAST_HASHING, LiveServer, demo_env, demo_stack
from guide.live.celery import (
    CeleryWorkerProcess,
    RedisServer,
    celery_stack,
    children,
    start_all,
)
from guide.live.client import new_user

REPO = Path(__file__).resolve().parents[2]
QUIET = ["--no-access-log"]
DEMO_ENV = FAST_HASHING | {"LOG_LEVEL": "WARNING"}  # cheap hashes: the email is measured
CELERY_WORKERS, CELERY_CONCURRENCY = 2, 2  # worker processes, pool processes each
TASKIQ_WORKERS = 2
STANDALONE_PROBES = {"async": "/ping", "def": "/ping-sync"}
DEMO_PROBES = {"async": "/health"}  # the demo's unrelated endpoint (async def, reads the db)


def _sqlite() -> dict[str, str]:
    return {}  # demo_env's default: a SQLite file in the stack's own folder


# The database the demo's ways run on: `database()` gives each server its env (an empty
# database of its own). The runner sets it for PostgreSQL (`--database postgres`).
database: Callable[[], dict[str, str]] = _sqlite


@dataclass(frozen=True)
class Mode:
    key: str
    number: int  # as on the costs page: 0 is the route without tasks
    label: str
    slots: int | None  # emails that can be in flight at once (None: no fixed bound)
    start: Callable[[Deliveries, Callable[[], RedisServer]], AbstractContextManager]


def pids(server: LiveServer) -> list[int]:
    assert server.process is not None
    return [server.process.pid]


def with_children(servers: list[LiveServer]) -> list[int]:
    found = []
    for server in servers:
        found += pids(server) + children(pids(server)[0])
    return found


def standalone(path: str, emails: bool = True) -> Callable:
    @contextmanager
    def start(deliveries: Deliveries, redis: Callable[[], RedisServer]) -> Iterator:
        with MailSink(on_message=deliveries) as sink:
            env = {"SMTP_PORT": str(sink.port)}
            with LiveServer("bench.costs.apps:app", env=env, args=QUIET, cwd=REPO) as server:
                processes = lambda: {"server": pids(server)}  # noqa: E731
                yield Target(server.url, path, STANDALONE_PROBES, processes, emails=emails), sink

    return start


def demo_body(name: str) -> dict:
    return new_user(name)


@contextmanager
def demo_inprocess(deliveries: Deliveries, redis: Callable[[], RedisServer]) -> Iterator:
    with demo_stack(DEMO_ENV | database(), args=QUIET, on_mail=deliveries) as stack:
        processes = lambda: {"server": pids(stack.server)}  # noqa: E731
        yield (
            Target(stack.url, "/api/v1/auth/register", DEMO_PROBES, processes, demo_body),
            stack.mail,
        )


@contextmanager
def demo_plain(deliveries: Deliveries, redis: Callable[[], RedisServer]) -> Iterator:
    """The demo's registration on plain BackgroundTasks (bench.costs.demo_plain)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp,
        MailSink(on_message=deliveries) as sink,
    ):
        env = demo_env(Path(tmp), sink.port) | DEMO_ENV | database()
        app = "bench.costs.demo_plain:app"
        with LiveServer(app, env=env, args=QUIET, cwd=REPO) as server:
            processes = lambda: {"server": pids(server)}  # noqa: E731
            path = "/api/v1/auth/register"
            yield Target(server.url, path, DEMO_PROBES, processes, demo_body), sink


@contextmanager
def demo_celery(deliveries: Deliveries, redis: Callable[[], RedisServer]) -> Iterator:
    # celery_stack's own sink is demo_stack's; its mail callback is set here
    with celery_stack(redis(), DEMO_ENV, workers=0, args=QUIET) as stack:
        stack.mail.on_message = deliveries
        env = stack.app.server.env
        workers = [
            CeleryWorkerProcess(f"w{n}", concurrency=CELERY_CONCURRENCY, env=env)
            for n in range(1, CELERY_WORKERS + 1)
        ]
        stack.workers += workers  # stopped with the stack, started side by side
        start_all(list(workers))
        processes = lambda: {  # noqa: E731
            "server": pids(stack.app.server),
            "workers": with_children(list(stack.workers)),
        }
        path = "/api/v1/auth/register"
        yield Target(stack.url, path, DEMO_PROBES, processes, demo_body, stack), stack.mail


class TaskiqWorker(LiveServer):
    """`taskiq worker bench.costs.taskiq_app:broker`: a manager and its worker processes."""

    ready = "Listening started"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "taskiq", "worker", self.app, *self.args]


@contextmanager
def taskiq(deliveries: Deliveries, redis: Callable[[], RedisServer]) -> Iterator:
    env = {"REDIS_URL": redis().redis_url(15)}
    with MailSink(on_message=deliveries) as sink:
        env["SMTP_PORT"] = str(sink.port)
        args = ["--workers", str(TASKIQ_WORKERS)]
        worker = TaskiqWorker("bench.costs.taskiq_app:broker", env=env, args=args, cwd=REPO)
        app = LiveServer("bench.costs.taskiq_app:app", env=env, args=QUIET, cwd=REPO)
        try:
            start_all([worker, app])  # side by side
            processes = lambda: {"server": pids(app), "workers": with_children([worker])}  # noqa: E731
            yield Target(app.url, "/taskiq", STANDALONE_PROBES, processes), sink
        finally:
            app.stop()
            worker.stop()


MODES = [
    Mode("no-task", 0, "no task (baseline)", None, standalone("/no-task", emails=False)),
    Mode("inline", 1, "inline await", None, standalone("/inline")),
    Mode("def-task", 2, "def task + smtplib", 40, standalone("/def-task")),
    Mode("async-task", 3, "async def task + aiosmtplib", None, standalone("/async-task")),
    Mode("blocking-task", 4, "async def task, blocking call", 1, standalone("/blocking-task")),
    Mode("demo-plain", 8, "demo: plain BackgroundTasks, no records", None, demo_plain),
    Mode("demo-inprocess", 5, "demo: recorded runs, in-process", None, demo_inprocess),
    Mode(
        "demo-celery", 6, "demo: Celery on Redis", CELERY_WORKERS * CELERY_CONCURRENCY, demo_celery
    ),
    Mode("taskiq", 7, "Taskiq on Redis", None, taskiq),
]
