"""Tests of `testing_signup`, run by the suite (tests/claims/test_claim_testing_background_tasks.py
imports them): a unit test, a test through the ASGI app, and one on a real server."""

import httpx
import pytest
from fastapi import BackgroundTasks

from guide.examples.testing_signup import Mailer, app, get_mailer, send_welcome, signup
from guide.live import LiveServer

__all__ = [
    "app",
    "fake_mailer",
    "test_the_endpoint_queues_the_welcome_email",
    "test_the_task_sends_through_the_overridden_mailer",
    "test_a_failing_task_fails_the_test_not_the_response",
    "test_on_a_real_server_the_task_runs_after_the_response",
]


class FakeMailer(Mailer):
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, to: str, subject: str) -> None:
        if self.fail:
            raise ConnectionError("mail server down")
        self.sent.append((to, subject))


# --8<-- [start:unit]
async def test_the_endpoint_queues_the_welcome_email():
    background_tasks = BackgroundTasks()  # called directly, the endpoint gets ours
    mailer = FakeMailer()
    assert await signup("ann@example.com", background_tasks, mailer) == {"email": "ann@example.com"}
    [task] = background_tasks.tasks  # queued, not run
    assert (task.func, task.args) == (send_welcome, (mailer, "ann@example.com"))
    assert mailer.sent == []


# --8<-- [end:unit]


# --8<-- [start:override]
@pytest.fixture
def fake_mailer():
    mailer = FakeMailer()
    app.dependency_overrides[get_mailer] = lambda: mailer
    yield mailer
    app.dependency_overrides.clear()


async def test_the_task_sends_through_the_overridden_mailer(fake_mailer):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/signup/bob@example.com")
    assert response.status_code == 200
    # ASGITransport returned only after the task had run: its effect is already there
    assert fake_mailer.sent == [("bob@example.com", "Welcome!")]


# --8<-- [end:override]


# --8<-- [start:failing]
async def test_a_failing_task_fails_the_test_not_the_response(fake_mailer):
    fake_mailer.fail = True
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(ConnectionError, match="mail server down"):
            await client.post("/signup/cy@example.com")  # the task's error, re-raised

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/signup/cy@example.com")
    assert response.status_code == 200  # what a real client got


# --8<-- [end:failing]


# --8<-- [start:live]
@pytest.mark.live
def test_on_a_real_server_the_task_runs_after_the_response():
    with LiveServer("guide.examples.testing_signup:app") as server:
        response = httpx.post(f"{server.url}/signup/dee@example.com")
        assert response.status_code == 200
        server.wait_for_line("mail to dee@example.com: Welcome!")  # a printed line, no sleep
    access = next(i for i, line in enumerate(server.lines) if '"POST /signup/' in line)
    assert server.lines.index("mail to dee@example.com: Welcome!") > access


# --8<-- [end:live]
