"""An `async def` task that calls blocking code (such as `time.sleep`) freezes the whole
server until it returns. The same code in a plain `def` task runs in a worker thread and
the server keeps answering."""

import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "async-blocking-freezes-server"
TASK_SECONDS = 2.0  # a ping takes ms: seconds of room for a loaded machine


@pytest.fixture(scope="module")
def server(protocol):
    env = {"TASK_SECONDS": str(TASK_SECONDS)}
    with LiveServer("guide.examples.blocking_async_task:app", env=env, args=protocol) as server:
        yield server


def ping_while_task_runs(server: LiveServer, kind: str) -> tuple[float, bool]:
    """Seconds a `GET /ping` sent once the `kind` task has started takes, and whether the
    server answered it only after the task was done (its access line comes after the
    task's "done" line: the server's own order, whatever the machine's speed)."""
    start = len(server.lines)
    assert httpx.post(f"{server.url}/reports/{kind}").status_code == 200
    server.wait_for_line(r"report: started", start=start)
    began = time.monotonic()
    assert httpx.get(f"{server.url}/ping", timeout=TASK_SECONDS + 10).status_code == 200
    took = time.monotonic() - began
    done = server.wait_for_line(r"report: done", timeout=TASK_SECONDS + 10, start=start)
    answered = server.wait_for_line(r'"GET /ping HTTP/1.1" 200', start=start)
    lines = server.lines[start:]
    return took, lines.index(answered) > lines.index(done)


def test_blocking_async_def_task_freezes_the_server(server):
    took, after_the_task = ping_while_task_runs(server, "async-def")
    print(f"ping during a blocking async def task: {took:.3f}s")
    assert after_the_task  # the loop was asleep inside the task: nothing else could run


def test_blocking_def_task_does_not(server):
    took, after_the_task = ping_while_task_runs(server, "def")
    print(f"ping during a def task: {took:.3f}s")
    assert not after_the_task  # answered while the task slept in its thread
