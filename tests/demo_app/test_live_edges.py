"""The edges checked in-process elsewhere, checked again on a real uvicorn server: signing
keys, huge ids, control characters, token claims, case-insensitive names, relative
database URLs.

One server serves most of them: it runs with no SECRET_KEY in its environment and its
working directory in a temporary folder, so the key it makes for itself lands there
(var/secret_key) and this test can read it to sign tokens as the server would. The
relative DATABASE_URL needs a server of its own.
"""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import jwt
import pytest

from demo_app.platform.mailbox import MailSink
from guide.live import FAST_HASHING, PASSWORD, DemoClient, DemoStack, LiveServer, demo_env
from tests.records import query

pytestmark = pytest.mark.live

API = "/api/v1"
DEMO_APP = "demo_app.main:app"
OLD_PUBLISHED_KEY = "development-only-secret-key-change-me-please"
RELATIVE_URL = "sqlite:///RELATIVE.db"  # relative to the server's working directory
CONTROL_TITLES = ["line\r\nInjected: header", "line\u2028separator", "nul\x00byte"]


class KeylessStack(DemoStack):
    """A demo stack whose server runs in `workdir`: its CLI commands must run there too,
    or they would read (or make) another folder's var/secret_key."""

    def make_admin(self, username: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "demo_app", "make-admin", username],
            env=self.server.env,
            cwd=self.workdir,
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="module")
def stack(new_database):
    """The demo app with no SECRET_KEY, run from a temporary folder, with an SMTP sink."""
    with tempfile.TemporaryDirectory(prefix="guide-edges-") as tmp, MailSink() as sink:
        workdir = Path(tmp)
        env = demo_env(workdir, sink.port) | FAST_HASHING | new_database()
        del env["SECRET_KEY"]
        server = LiveServer(DEMO_APP, env=env, cwd=workdir)
        server.env.pop("SECRET_KEY", None)  # nor one inherited from this process
        stack = KeylessStack(server, sink, workdir)
        server.start()
        try:
            yield stack
        finally:
            server.stop()


@pytest.fixture(scope="module")
def client(stack):
    with DemoClient(stack, tag="edges") as client:
        client.make_admin("admin")
        yield client


def server_key(stack) -> str:
    return (stack.workdir / "var" / "secret_key").read_text().strip()


def claims(token: str) -> dict:
    """A real token's claims, read without checking its signature."""
    return jwt.decode(token, options={"verify_signature": False})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def task_runs(stack) -> list[tuple[str, str | None]]:
    """Every run the app has recorded but the scheduler's own cleanup (name, request id)."""
    sql = "SELECT name, request_id FROM task_runs WHERE name != 'cleanup_old_data'"
    return query(stack.server.env["DATABASE_URL"], sql)


def assert_no_server_error(stack) -> None:
    output = stack.server.output()
    assert "Traceback" not in output and "-> 500" not in output, output[-3000:]


def test_the_old_published_key_signs_nothing_and_the_app_keeps_its_own(stack, client):
    """With no SECRET_KEY the app makes its own key, in var/secret_key (mode 0600) under its
    working directory; the admin's very claims signed with the key once published in the repository
    are refused (401), on /users/me and on the admin-only /tasks, while the same claims signed with
    the server's key are accepted."""
    key_file = stack.workdir / "var" / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = server_key(stack)
    assert len(key.encode()) >= 32 and key != OLD_PUBLISHED_KEY

    admin_claims = claims(client.tokens["admin"])
    forged = jwt.encode(admin_claims, OLD_PUBLISHED_KEY, algorithm="HS256")
    resigned = jwt.encode(admin_claims, key, algorithm="HS256")
    for path in (f"{API}/users/me", f"{API}/tasks"):
        assert client.call("GET", path, headers=bearer(forged)).status_code == 401, path
        assert client.call("GET", path, headers=bearer(resigned)).status_code == 200, path
    # Nor does a forgery with nothing but the admin's `sub`.
    bare = jwt.encode({"sub": admin_claims["sub"]}, OLD_PUBLISHED_KEY, algorithm="HS256")
    assert client.call("GET", f"{API}/tasks", headers=bearer(bare)).status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/items/{10**30}",
        f"{API}/items/{2**40}",  # past the 32-bit ids both databases store
        f"{API}/items?offset={2**63}",
        f"{API}/tasks?offset={10**30}",
    ],
)
def test_ids_and_offsets_too_big_for_the_database_are_422(stack, client, path):
    """An item id of 10**30, an offset of 2**63 (and /tasks?offset=10**30)
    overflowed SQLite's 64-bit integers inside the query; now each is a 422 that names the
    parameter, and the server logs no traceback."""
    response = client.call("GET", path, user="admin")
    assert response.status_code == 422, response.text
    location = response.json()["detail"][0]["loc"]
    assert location[-1] in ("item_id", "offset")
    assert_no_server_error(stack)


def test_control_characters_in_titles_and_subjects_are_422_and_schedule_nothing(stack, client):
    """A title or newsletter subject with CR LF, U+2028 or NUL is a 422, and no task run is
    recorded for it (nor email sent); a clean title, sent the same way, does schedule its runs."""
    created = client.call("POST", f"{API}/items", user="admin", json={"title": "clean"})
    assert created.status_code == 201
    assert {run.name for run in client.wait_for_tasks(created)} >= {"send_item_notification"}
    item_id = created.json()["id"]
    runs_before, mails_before = task_runs(stack), len(stack.mail.messages)

    refused = []
    for title in CONTROL_TITLES:
        refused.append(client.call("POST", f"{API}/items", user="admin", json={"title": title}))
        path = f"{API}/items/{item_id}"
        refused.append(client.call("PUT", path, user="admin", json={"title": title}))
        newsletter = {"subject": title, "body": "Hello"}
        refused.append(client.call("POST", f"{API}/send-newsletter", user="admin", json=newsletter))
    for response in refused:
        assert response.status_code == 422, (response.request.url, response.text)
        assert client.records.of(client.request_id(response))[1] == []
    assert task_runs(stack) == runs_before
    assert len(stack.mail.messages) == mails_before
    items = client.call("GET", f"{API}/items", user="admin").json()
    assert [item["title"] for item in items] == ["clean"]
    assert_no_server_error(stack)


def test_a_token_without_exp_is_401_even_signed_with_the_servers_key(stack, client):
    """The admin's claims minus `exp`,
    signed with the server's own key, are refused (401); with `exp` they are accepted."""
    admin_claims = claims(client.tokens["admin"])
    assert {"exp", "iat", "jti"} <= admin_claims.keys()
    key = server_key(stack)
    no_exp = {name: value for name, value in admin_claims.items() if name != "exp"}
    endless = jwt.encode(no_exp, key, algorithm="HS256")
    assert client.call("GET", f"{API}/users/me", headers=bearer(endless)).status_code == 401
    signed = jwt.encode(admin_claims, key, algorithm="HS256")
    assert client.call("GET", f"{API}/users/me", headers=bearer(signed)).status_code == 200


def test_usernames_are_case_insensitive(stack, client):
    """ "Alice" registers, then "alice" (with
    another email) is a 409 that names the username, and leaves no second account."""
    first = client.register("Alice")
    assert first.status_code == 201
    payload = {"username": "alice", "email": "other@example.com", "password": PASSWORD}
    second = client.call("POST", f"{API}/auth/register", json=payload)
    assert second.status_code == 409
    assert "username" in second.json()["detail"]
    assert client.records.of(client.request_id(second))[1] == []
    sql = "SELECT username FROM users WHERE lower(username) = 'alice'"
    assert query(stack.server.env["DATABASE_URL"], sql) == [("Alice",)]
    client.wait_for_tasks(first)


def test_a_relative_sqlite_url_starts_the_server():
    """With DATABASE_URL=sqlite:///RELATIVE.db the server starts, registers a user and logs them in,
    and the database is RELATIVE.db in its working directory."""
    with tempfile.TemporaryDirectory(prefix="guide-relative-db-") as tmp, MailSink() as sink:
        workdir = Path(tmp)
        env = demo_env(workdir, sink.port) | FAST_HASHING | {"DATABASE_URL": RELATIVE_URL}
        with LiveServer(DEMO_APP, env=env, cwd=workdir) as server:
            payload = {"username": "relative", "email": "rel@example.com", "password": PASSWORD}
            registered = httpx.post(f"{server.url}{API}/auth/register", json=payload, timeout=10)
            assert registered.status_code == 201, registered.text
            form = {"username": "relative", "password": PASSWORD}
            login = httpx.post(f"{server.url}{API}/auth/login", data=form, timeout=10)
            assert login.status_code == 200, login.text
            sink.wait_for(1, timeout=10)  # the welcome email's task ran, on that database
            output = server.output()
        assert "Traceback" not in output, output
        with sqlite3.connect(workdir / "RELATIVE.db") as conn:
            users = conn.execute("SELECT username FROM users").fetchall()
        assert users == [("relative",)]
