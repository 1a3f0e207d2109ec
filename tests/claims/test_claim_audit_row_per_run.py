"""The demo's audit task writes one row per task run: the row is unique on (run id,
action, username), so running the same run again (a retry, a recovery) writes nothing
more, while distinct actions, each its own run, each get their row, even when their
clients sent the same `X-Request-ID`. The key is the run's, never a value the client
chose."""

import httpx
import pytest
from sqlmodel import select

from demo_app import db
from demo_app.config import get_settings
from demo_app.lesson import tasks
from demo_app.main import create_app
from demo_app.models import AuditLog, TaskRun
from demo_app.platform.context import run_id_var
from demo_app.platform.mailbox import MailSink
from guide.live import FAST_HASHING, PASSWORD, demo_env

CLAIM = "audit-row-per-run"


@pytest.fixture
async def app(tmp_path, monkeypatch):
    """The demo app on a fresh SQLite file, its tasks run in process, no scheduler."""
    with MailSink() as mail:
        values = demo_env(tmp_path, mail.port) | FAST_HASHING
        for key, value in {
            **values,
            "SCHEDULER_ENABLED": "false",
            "ENVIRONMENT": "test",
            "ALLOWED_HOSTS": "testserver",
        }.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        app = create_app()
        async with app.router.lifespan_context(app):
            yield app
    get_settings.cache_clear()


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def rows(model, *where):
    async with db.session() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def register(client, username: str) -> None:
    payload = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/register", json=payload)).status_code == 201


async def test_a_rerun_of_the_same_run_writes_one_row(app):
    run_id_var.set("run-1")  # what run_task sets for the run it runs
    for _ in range(3):  # the run, then two reruns of it
        await tasks.log_user_action("ann", "LOGIN", None, request_id="req-1")
    assert [(a.run_id, a.action) for a in await rows(AuditLog)] == [("run-1", "LOGIN")]


async def test_distinct_actions_sharing_a_client_request_id_each_get_a_row(client):
    await register(client, "ann")
    for _ in range(3):
        response = await client.post(
            "/api/v1/auth/login",
            data={"username": "ann", "password": PASSWORD},
            headers={"X-Request-ID": "same-id"},  # the client's label, three times
        )
        assert response.status_code == 200
    logins = await rows(AuditLog, AuditLog.action == "LOGIN")
    runs = await rows(TaskRun, TaskRun.name == "log_user_action")
    assert len(logins) == 3
    assert len({login.run_id for login in logins}) == 3
    assert {login.run_id for login in logins} <= {run.id for run in runs}
