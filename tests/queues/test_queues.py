"""The five queues of docs/choosing.md: the app on a real uvicorn on 127.0.0.1, its worker,
a real Redis (the Celery tests' redis-server, a database per test). The response comes
before the email; a job enqueued while no worker runs waits in Redis, app stopped or not."""

from __future__ import annotations

import itertools

import pytest
from redis import Redis

from demo_app.platform.mailbox import MailSink
from tests.queues.checks import DELAY, check_answered_before_email, register
from tests.queues.ways import QUEUES, Way, running

pytestmark = pytest.mark.live

_databases = itertools.count(40)  # Redis databases 40-63 of the shared server


def redis_url(redis_server) -> str:
    url = redis_server.redis_url(next(_databases))
    Redis.from_url(url).flushdb()
    return url


@pytest.mark.parametrize("way", QUEUES, ids=lambda way: way.name)
def test_the_response_comes_before_the_email(way: Way, redis_server) -> None:
    with MailSink(delay=DELAY) as sink:
        env = {"SMTP_PORT": str(sink.port), "REDIS_URL": redis_url(redis_server)}
        with running(way, env) as started:
            check_answered_before_email(f"{started.url}/register", sink)


@pytest.mark.parametrize("way", QUEUES, ids=lambda way: way.name)
def test_a_job_waits_in_redis_until_a_worker_starts(way: Way, redis_server) -> None:
    """Enqueued while no worker runs, then the app stops: the job is in Redis, not in it."""
    with MailSink() as sink:
        env = {"SMTP_PORT": str(sink.port), "REDIS_URL": redis_url(redis_server)}
        with running(way, env, worker=False) as started:
            register(f"{started.url}/register", sink, "ada")
        assert started.app.process and started.app.process.poll() is not None  # stopped
        assert sink.conversations == 0
        with running(way, env, app=False):
            [mail] = sink.wait_for(1, timeout=20)
    assert mail.rcpt_tos == ("ada@example.com",)
