"""`python -m guide serve` puts the dashboard in reach: in development it prints the
dashboard's address and a one-time admin login that works on the real server, and takes
the admin's rights back at stop; in production it makes no admin."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from guide import dev_admin
from guide.live import FAST_HASHING, READY, LiveServer, demo_env
from guide.live.stack import DEMO_APP

START = 120.0  # seconds: a first start migrates a fresh database, on a busy machine too
LOGIN = re.compile(r"^  sign in as (?P<user>\S+), password (?P<password>\S+)$")


class GuideServe(LiveServer):
    """`python -m guide serve --port PORT`, up once it printed `ready`."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "guide", "serve", "--port", str(self.port)]


@contextmanager
def running(server: LiveServer) -> Iterator[LiveServer]:
    server.start(START)
    try:
        yield server
    finally:
        server.stop()


def token(url: str, user: str, password: str) -> str:
    form = {"username": user, "password": password}
    response = httpx.post(f"{url}/api/v1/auth/login", data=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def runs_as(url: str, bearer: str) -> int:
    """The status of an admin-only endpoint (GET /api/v1/tasks) for that token."""
    headers = {"Authorization": f"Bearer {bearer}"}
    return httpx.get(f"{url}/api/v1/tasks", headers=headers, timeout=30).status_code


@pytest.mark.live
def test_in_development_serve_prints_an_admin_login_that_works(tmp_path: Path):
    env = demo_env(tmp_path, None) | FAST_HASHING  # ENVIRONMENT=development
    serve = GuideServe("python -m guide serve", env=env, cwd=tmp_path)
    serve.ready = LOGIN.pattern
    with running(serve):
        match = LOGIN.match(serve.wait_for_line(LOGIN.pattern))
        assert match is not None
        user, password = match["user"], match["password"]
        assert f"Dashboard: {serve.url}/dashboard" in serve.lines
        assert httpx.get(f"{serve.url}/dashboard", timeout=30).status_code == 200
        assert runs_as(serve.url, token(serve.url, user, password)) == 200
        assert httpx.get(f"{serve.url}/api/v1/tasks", timeout=30).status_code == 401
        assert serve.terminate(timeout=60) == 0, serve.output()[-3000:]

    # the same database, served again: the login still works, the admin rights are gone
    with running(LiveServer(DEMO_APP, env=env, cwd=tmp_path)) as again:
        assert runs_as(again.url, token(again.url, user, password)) == 403


@pytest.mark.live
def test_in_production_serve_makes_no_admin(tmp_path: Path):
    env = demo_env(tmp_path, None) | FAST_HASHING
    env |= {"ENVIRONMENT": "production", "MIGRATE_AT_STARTUP": "true"}
    serve = GuideServe("python -m guide serve", env=env, cwd=tmp_path)
    with running(serve):
        serve.wait_for_line(READY)
        assert httpx.get(f"{serve.url}/health", timeout=30).status_code == 200
        serve.terminate(timeout=60)
    output = serve.output()
    assert "sign in as" not in output and "Dashboard:" not in output
    assert "/auth/register" not in output
    assert output.count('"GET /health HTTP/1.1"') == 1, output  # ours: nothing polled it


def test_rights_that_cannot_be_taken_back_are_reported_in_a_line(monkeypatch, capsys):
    def fails(username: str, *, revoke: bool = False) -> None:
        raise subprocess.CalledProcessError(1, "make-admin", stderr=b"no such table: users")

    monkeypatch.setattr(dev_admin, "make_admin", fails)
    admin = dev_admin.OneTimeAdmin("http://127.0.0.1:9")
    admin.made.set()
    admin.revoke()
    assert capsys.readouterr().out == f"{admin.username} is still an admin: no such table: users\n"
