"""`make serve-postgres`: the demo app on an embedded PostgreSQL, data kept between runs."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from guide.live import FAST_HASHING, PASSWORD, LiveServer
from tests.support import require

pytestmark = pytest.mark.live


class ServePostgres(LiveServer):
    def __init__(self, data, **kwargs) -> None:
        super().__init__("guide.live.postgres", **kwargs)
        self.data = data

    def command(self) -> list[str]:
        return [sys.executable, "-m", self.app, "--data", str(self.data), "--port", str(self.port)]


def serve(data) -> ServePostgres:
    return ServePostgres(data, env=FAST_HASHING).start(timeout=60)


@pytest.fixture
def data():
    """A data folder outside pytest's, which a server started by root cannot reach (see
    tests/conftest.py's `postgres`)."""
    with tempfile.TemporaryDirectory(prefix="guide-test-serve-postgres-") as folder:
        yield Path(folder)


def test_the_demo_app_runs_on_an_embedded_postgres_and_keeps_its_data(data):
    require(importlib.util.find_spec("pgserver") is not None, "the pgserver wheel is missing")
    user = {"username": "pat", "email": "pat@example.com", "password": PASSWORD}
    first = serve(data)
    try:
        # the URL as the app gets it, but for its password
        first.wait_for_line(r"^PostgreSQL postgresql\+asyncpg://postgres:\*+@/demo_app\?host=")
        first.wait_for_line(r"^schema: empty -> \w+")
        assert httpx.post(f"{first.url}/api/v1/auth/register", json=user).status_code == 201
    finally:
        assert first.terminate(timeout=30) == 0  # the app, then PostgreSQL, stopped cleanly
    second = serve(data)
    try:
        second.wait_for_line(r"^schema: \w+, current")  # the same database, migrated once
        login = httpx.post(f"{second.url}/api/v1/auth/login", data=user)
        assert login.status_code == 200  # the user registered in the first run is still there
    finally:
        assert second.terminate(timeout=30) == 0
