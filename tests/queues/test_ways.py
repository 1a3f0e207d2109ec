"""Every way of docs/choosing.md, on real processes: the app on uvicorn (127.0.0.1), for a
queue its worker on Redis, a local SMTP server that holds each message DELAY seconds.

A registration is answered before its welcome email arrives, and the email arrives. The
SMTP server's delay makes a route that waited for the send answer after the email (the
control test shows the check catching one).
"""

from __future__ import annotations

import itertools
import time

import httpx
import pytest
from redis import Redis

from demo_app.mailbox import MailSink
from guide.live import LiveServer
from tests.queues.ways import IN_PROCESS, QUEUES, ROOT, Way, running

pytestmark = pytest.mark.live

DELAY = 1.5  # seconds the SMTP server holds each message before accepting it
_databases = itertools.count(40)  # Redis databases 40-63 of the shared server


def redis_url(redis_server) -> str:
    url = redis_server.redis_url(next(_databases))
    Redis.from_url(url).flushdb()
    return url


def register(url: str, sink: MailSink, name: str) -> tuple[float, int]:
    """POST a sign-up: seconds until the response, and how many emails had arrived then."""
    began = time.monotonic()
    response = httpx.post(url, json={"username": name, "email": f"{name}@example.com"}, timeout=30)
    took, arrived = time.monotonic() - began, len(sink.messages)
    assert response.status_code == 201, response.text
    assert response.json() == {"username": name}
    return took, arrived


def check_answered_before_email(url: str, sink: MailSink) -> float:
    """POST a sign-up to `url`: the response comes before the email, which then arrives."""
    took, arrived = register(url, sink, "ada")
    assert arrived == 0, f"the response ({took:.2f} s) came after the email: it waited for it"
    [mail] = sink.wait_for(1, timeout=DELAY + 15)
    assert mail.rcpt_tos == ("ada@example.com",)
    return took


@pytest.mark.parametrize("way", IN_PROCESS + QUEUES, ids=lambda way: way.name)
def test_the_response_comes_before_the_email(way: Way, redis_server) -> None:
    with MailSink(delay=DELAY) as sink:
        env = {"SMTP_PORT": str(sink.port), "REDIS_URL": redis_url(redis_server)}
        with running(way, env) as started:
            check_answered_before_email(f"{started.url}/register", sink)


def test_the_check_catches_a_route_that_waits_for_the_email() -> None:
    """The control: the cost benchmark's `/inline` route awaits the send before answering."""

    with MailSink(delay=DELAY) as sink:
        env = {"SMTP_PORT": str(sink.port)}
        with LiveServer("bench.costs.apps:app", env=env, cwd=ROOT) as app:
            with pytest.raises(AssertionError, match="came after the email"):
                check_answered_before_email(f"{app.url}/inline", sink)
