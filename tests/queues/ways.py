"""Each way of docs/choosing.md as the tests start it: the app (guide.queues.X on uvicorn)
and, for a queue, its worker process, with the environment they share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.costs.modes import TaskiqWorker
from guide.live import LiveServer
from guide.live.celery import CeleryWorkerProcess, start_all, stop_all
from guide.live.process import descendants, kill_all
from tests.queues.environment import arq_python

ROOT = Path(__file__).resolve().parents[2]


class App(LiveServer):
    """`uvicorn guide.queues.X:app`, with the interpreter of the way's environment."""

    def __init__(self, app: str, python: str, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.python = python

    def command(self) -> list[str]:
        return [self.python, *super().command()[1:]]


class Worker(LiveServer):
    """A queue's worker command, up once it prints `ready`."""

    new_session = True

    def __init__(self, argv: list[str], ready: str, **kwargs) -> None:
        super().__init__(" ".join(argv[1:4]), **kwargs)
        self.argv, self.ready = argv, ready

    def command(self) -> list[str]:
        return self.argv


def celery_worker(python: str, env: dict[str, str]) -> LiveServer:
    return CeleryWorkerProcess("queues", app="guide.queues.celery_app:celery", env=env, cwd=ROOT)


def arq_worker(python: str, env: dict[str, str]) -> LiveServer:
    argv = [python, "-m", "arq", "guide.queues.arq_app.WorkerSettings"]
    return Worker(argv, "redis_version=", env=env, cwd=ROOT)


def taskiq_worker(python: str, env: dict[str, str]) -> LiveServer:
    args = ["--workers", "1"]
    return TaskiqWorker("guide.queues.taskiq_app:broker", env=env, args=args, cwd=ROOT)


def dramatiq_worker(python: str, env: dict[str, str]) -> LiveServer:
    argv = [python, "-m", "dramatiq", "guide.queues.dramatiq_app", "--processes", "1"]
    return Worker([*argv, "--threads", "2"], "Worker process is ready", env=env, cwd=ROOT)


def rq_worker(python: str, env: dict[str, str]) -> LiveServer:
    argv = [python, "-m", "rq.cli", "worker", "--with-scheduler", "--url", env["REDIS_URL"]]
    return Worker(argv, r"\*\*\* Listening on", env=env, cwd=ROOT)


@dataclass(frozen=True)
class Way:
    name: str  # guide/queues/NAME.py
    worker: Callable[[str, dict[str, str]], LiveServer] | None = None
    python: Callable[[], Path | str] = lambda: sys.executable

    @property
    def app(self) -> str:
        return f"guide.queues.{self.name}:app"


IN_PROCESS = [Way("background_tasks"), Way("create_task"), Way("task_group"), Way("process_pool")]
QUEUES = [
    Way("celery_app", celery_worker),
    Way("arq_app", arq_worker, arq_python),
    Way("taskiq_app", taskiq_worker),
    Way("dramatiq_app", dramatiq_worker),
    Way("rq_app", rq_worker),
]


@dataclass
class Running:
    app: App
    worker: LiveServer | None
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.app.url


@contextmanager
def running(
    way: Way, env: dict[str, str], *, app: bool = True, worker: bool = True
) -> Iterator[Running]:
    """The way's app and its worker (either can be left out), started side by side."""
    python = str(way.python())
    env = {"PYTHONPATH": str(ROOT), "SMTP_HOST": "127.0.0.1", **env}
    server = App(way.app, python, env=env, cwd=ROOT)
    started = Running(server, way.worker(python, env) if way.worker and worker else None, env)
    processes = [*([server] if app else []), *([started.worker] if started.worker else [])]
    with ExitStack() as cleanup:
        cleanup.callback(stop_all, [server] if app else [])
        if started.worker:  # the test is over: no need to wait for a warm shutdown
            cleanup.callback(kill_tree, started.worker)
        start_all(processes)
        yield started


def kill_tree(process: LiveServer) -> None:
    """SIGKILL for the process and every process under it (pool processes, work horses)."""
    if process.process:
        kill_all([*descendants(process.process.pid), process.process.pid])
        process.process.wait(10)
