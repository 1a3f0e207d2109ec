"""The four in-process ways of docs/choosing.md, each app on a real uvicorn on 127.0.0.1:
the response comes before the email; SIGTERM lets a running send finish, SIGKILL loses it
(a process pool's job goes on); in a task group, a failing job and its guard."""

from __future__ import annotations

import contextlib
import signal
import time

import httpx
import pytest

from demo_app.platform.mailbox import MailSink
from guide.live import LiveServer
from guide.live.process import alive, descendants, kill_all
from tests.queues.checks import DELAY, check_answered_before_email, register
from tests.queues.ways import IN_PROCESS, ROOT, Way, running

pytestmark = pytest.mark.live

HOLD = 3.0  # seconds ada's send is held while bob's job fails (task group tests)


@pytest.mark.parametrize("way", IN_PROCESS, ids=lambda way: way.name)
def test_the_response_comes_before_the_email(way: Way) -> None:
    with MailSink(delay=DELAY) as sink:
        with running(way, {"SMTP_PORT": str(sink.port)}) as started:
            check_answered_before_email(f"{started.url}/register", sink)


def test_the_check_catches_a_route_that_waits_for_the_email() -> None:
    """The control: the cost benchmark's `/inline` route awaits the send before answering."""

    with MailSink(delay=DELAY) as sink:
        env = {"SMTP_PORT": str(sink.port)}
        with LiveServer("bench.costs.apps:app", env=env, cwd=ROOT) as app:
            with pytest.raises(AssertionError, match="came after the email"):
                check_answered_before_email(f"{app.url}/inline", sink)


@pytest.mark.parametrize("way", IN_PROCESS, ids=lambda way: way.name)
def test_sigterm_waits_for_the_running_send(way: Way) -> None:
    with MailSink(delay=DELAY) as sink, running(way, {"SMTP_PORT": str(sink.port)}) as started:
        register(f"{started.url}/register", sink, "ada")
        sink.wait_for_conversations(1)  # the send has begun: the SMTP server holds it
        started.app.signal(signal.SIGTERM)
        started.app.wait(timeout=DELAY + 20)
        assert [mail.rcpt_tos for mail in sink.messages] == [("ada@example.com",)]


@pytest.mark.parametrize("way", IN_PROCESS[:3], ids=lambda way: way.name)
def test_sigkill_loses_the_running_send(way: Way) -> None:
    with MailSink(delay=DELAY) as sink, running(way, {"SMTP_PORT": str(sink.port)}) as started:
        register(f"{started.url}/register", sink, "ada")
        sink.wait_for_conversations(1)
        started.app.kill()
        with pytest.raises(TimeoutError):
            sink.wait_for(1, timeout=DELAY + 1)  # what it would take, and a second more


def test_a_pool_job_outlives_a_sigkilled_server() -> None:
    """The send runs in a pool process: SIGKILL of the server does not stop it, and the
    pool's processes are still there after it (the test ends them)."""
    process_pool = next(way for way in IN_PROCESS if way.name == "process_pool")
    with MailSink(delay=DELAY) as sink, running(process_pool, {"SMTP_PORT": str(sink.port)}) as up:
        register(f"{up.url}/register", sink, "ada")
        sink.wait_for_conversations(1)
        assert up.app.process
        pool = descendants(up.app.process.pid)
        up.app.kill()
        try:
            [mail] = sink.wait_for(1, timeout=DELAY + 10)
            assert mail.rcpt_tos == ("ada@example.com",)
            assert [pid for pid in pool if alive(pid)] == pool
        finally:
            kill_all(pool)


def failing_job_in_a_task_group(app: str) -> tuple[list[str], int]:
    """ada's send is held by the SMTP server when bob's job raises (his address is refused),
    then cy signs up: the emails that arrived, and cy's status code."""
    with MailSink(delay=HOLD) as sink, LiveServer(app, env={"SMTP_PORT": str(sink.port)}) as up:
        url = f"{up.url}/register"
        register(url, sink, "ada")
        sink.wait_for_conversations(1)
        held = time.monotonic()
        sink.delay, sink.reject = 0, {"bob@example.com"}
        register(url, sink, "bob")
        up.wait_for_line("SMTPRecipientsRefused")
        assert sink.messages == [], "ada's send ended before bob's job failed: nothing shown"
        cy = httpx.post(url, json={"username": "cy", "email": "cy@example.com"}, timeout=30)
        with contextlib.suppress(TimeoutError):  # ada's send, if it goes on, ends by then
            sink.wait_for(2, timeout=max(0.1, held + HOLD + 2 - time.monotonic()))
        return sorted(to for mail in sink.messages for to in mail.rcpt_tos), cy.status_code


def test_a_failing_job_cancels_no_other_job_in_the_task_group() -> None:
    assert failing_job_in_a_task_group("guide.queues.task_group:app") == (
        ["ada@example.com", "cy@example.com"],
        201,
    )


def test_unguarded_a_failing_job_cancels_the_others_and_the_group_closes() -> None:
    """The same without `guarded`: ada's send is cancelled, and cy gets a 500."""
    assert failing_job_in_a_task_group("tests.queues.unguarded_task_group:app") == ([], 500)
