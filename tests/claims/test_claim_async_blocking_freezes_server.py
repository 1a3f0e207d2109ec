"""An `async def` task that calls blocking code (such as `time.sleep`) freezes the whole
server until it returns. The same code in a plain `def` task runs in a worker thread and
the server keeps answering."""

import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "async-blocking-freezes-server"
TASK_SECONDS = 1.0


@pytest.fixture(scope="module")
def server():
    env = {"TASK_SECONDS": str(TASK_SECONDS)}
    with LiveServer("guide.examples.blocking_async_task:app", env=env) as server:
        yield server


def ping_while_task_runs(server: LiveServer, kind: str) -> float:
    """Seconds a `GET /ping` takes, sent once the `kind` task has started."""
    start = len(server.lines)
    assert httpx.post(f"{server.url}/reports/{kind}").status_code == 200
    server.wait_for_line(r"report: started", start=start)
    began = time.monotonic()
    assert httpx.get(f"{server.url}/ping", timeout=TASK_SECONDS + 10).status_code == 200
    took = time.monotonic() - began
    server.wait_for_line(r"report: done", timeout=TASK_SECONDS + 10, start=start)
    return took


def test_blocking_async_def_task_freezes_the_server(server):
    took = ping_while_task_runs(server, "async-def")
    print(f"ping during a blocking async def task: {took:.3f}s")
    # The ping waits out the rest of the sleep: it is sent within ms of "started", so it
    # takes nearly TASK_SECONDS; half of it leaves room for a slow read of that line.
    assert took > TASK_SECONDS / 2


def test_blocking_def_task_does_not(server):
    took = ping_while_task_runs(server, "def")
    print(f"ping during a def task: {took:.3f}s")
    assert took < TASK_SECONDS / 4  # a ping takes ms; a quarter of the sleep is room for load
