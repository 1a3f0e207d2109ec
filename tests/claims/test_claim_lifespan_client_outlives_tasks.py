"""On SIGTERM uvicorn waits for the running background tasks before it runs the lifespan's
shutdown, so a client the lifespan owns (a shared `httpx.AsyncClient`) is still open for a
task that is using it: the task's call completes, then the lifespan closes the client."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "lifespan-client-outlives-tasks"
MODULE = "guide.examples.lifespan_client"


def test_a_task_finishes_with_the_client_open_then_the_lifespan_closes_it():
    with LiveServer(f"{MODULE}:partner") as partner:
        with LiveServer(f"{MODULE}:app", env={"PARTNER_URL": partner.url}) as server:
            assert httpx.post(f"{server.url}/orders/1").status_code == 200
            partner.wait_for_line("partner: hook 1 received")  # the task's call is in flight
            server.signal(signal.SIGTERM)
            server.wait_for_line("Waiting for background tasks to complete")
            assert httpx.post(f"{partner.url}/release/1").status_code == 200
            returncode = server.wait(timeout=15)
            deadline = time.monotonic() + 5
            while not server.process.stdout.closed:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            lines = list(server.lines)

    waiting = next(i for i, line in enumerate(lines) if "Waiting for background tasks" in line)
    answered = lines.index("order 1: partner answered 200, client closed: False")
    closing = lines.index("lifespan: closing the client")
    assert waiting < answered < closing < lines.index("lifespan: client closed: True")
    assert returncode == -signal.SIGTERM
