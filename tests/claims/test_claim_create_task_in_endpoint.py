"""`asyncio.create_task` in an endpoint is no background task. It starts at once, beside
the rest of the endpoint, not after the response. The event loop keeps only a weak
reference to a task: one nobody holds can be garbage-collected mid-run ("Task was
destroyed but it is pending!"). Its exception reaches no one: no "Exception in ASGI
application", only asyncio's "Task exception was never retrieved" whenever the task object
is destroyed. And uvicorn's shutdown does not wait for it: on SIGTERM the process is gone
at once, the job unfinished."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer
from tests.claims.test_claim_shutdown_waits import all_it_printed

pytestmark = pytest.mark.live

CLAIM = "create-task-in-endpoint"
APP = "guide.examples.create_task_in_endpoint:app"
JOB = 2.0  # seconds a job sleeps


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer(APP, env={"JOB_SECONDS": str(JOB)}, args=protocol) as server:
        yield server


def post(server: LiveServer, path: str) -> int:
    return httpx.post(f"{server.url}{path}").status_code


def test_it_starts_at_once_not_after_the_response(server):
    start = len(server.lines)
    assert post(server, "/jobs/a") == 200
    server.wait_for_line("a: endpoint returns", start=start)  # printed, and read from the pipe
    lines = server.lines[start:]
    assert lines.index("a: job started") < lines.index("a: endpoint returns")


def test_its_exception_reaches_no_one(server):
    start = len(server.lines)
    assert post(server, "/failing-jobs/b") == 200
    server.wait_for_line("RuntimeError: b: job failed", start=start)
    lines = server.lines[start:]
    assert "Task exception was never retrieved" in lines  # asyncio's, at the task's end
    assert not any("Exception in ASGI application" in line for line in lines)


def test_a_task_no_one_holds_can_be_collected_mid_run(server):
    start = len(server.lines)
    assert post(server, "/waiting-jobs/c") == 200
    server.wait_for_line("c: job waiting", start=start)
    assert post(server, "/collect") == 200
    server.wait_for_line("Task was destroyed but it is pending!", start=start)
    assert "c: job done" not in server.lines[start:]


def test_shutdown_does_not_wait_for_it(protocol):
    with LiveServer(APP, env={"JOB_SECONDS": str(JOB)}, args=protocol) as server:
        assert post(server, "/jobs/d") == 200
        began = time.monotonic()
        server.signal(signal.SIGTERM)
        returncode = server.wait(timeout=JOB + 10)
        took = time.monotonic() - began
        lines = all_it_printed(server)
    assert took < JOB / 2, f"exited {took:.2f}s after SIGTERM"
    assert returncode == -signal.SIGTERM
    assert "d: job started" in lines and "d: job done" not in lines
