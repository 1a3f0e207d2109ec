"""On a real uvicorn server the client has its answer before the email leaves."""

import time

import httpx
import pytest

from guide.live import FAST_HASHING, PASSWORD, demo_stack

pytestmark = pytest.mark.live

SLOW_SMTP = 1.0


@pytest.fixture(scope="module")
def stack(new_database):
    with demo_stack(FAST_HASHING | new_database()) as stack:
        yield stack


def test_registration_answers_before_a_slow_mail_server_accepts_the_email(stack):
    stack.mail.delay = SLOW_SMTP
    payload = {"username": "live", "email": "live@example.com", "password": PASSWORD}
    started = time.perf_counter()
    response = httpx.post(f"{stack.url}/api/v1/auth/register", json=payload, timeout=10)
    answered = time.perf_counter() - started
    assert response.status_code == 201
    # The task starts after the response and the sink holds each message SLOW_SMTP seconds:
    # nothing can have arrived yet.
    assert stack.mail.to("live@example.com") == []
    stack.mail.wait_for(1, timeout=10)
    delivered = time.perf_counter() - started
    assert delivered >= SLOW_SMTP
    # delivered >= answered + SLOW_SMTP: under half of it whenever the answer beat SLOW_SMTP.
    assert answered < delivered / 2, (answered, delivered)
