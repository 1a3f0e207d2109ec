"""When `--timeout-graceful-shutdown` runs out, uvicorn cancels each running `async def`
task with `task.cancel()`: the task gets `asyncio.CancelledError` at the await it was
waiting in, even inside `anyio.CancelScope(shield=True)` (which shields from AnyIO's own
cancellation only). uvicorn does not wait for the cancelled tasks; it runs the lifespan's
shutdown next. A step wrapped in `asyncio.shield` goes on after its caller is cancelled,
and finishes if the lifespan waits for it. The process then exits by the signal it got
(SIGTERM: exit status -15). Each request cancelled this way is logged as
"Exception in ASGI application", with a full `CancelledError` traceback."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "shutdown-cancels-at-await"
APP = "guide.examples.shutdown_cancellation:app"
GRACE = 1  # --timeout-graceful-shutdown, in seconds
STEP = 4.0  # the critical step: still running when the grace runs out


def all_it_printed(server: LiveServer) -> list[str]:
    deadline = time.monotonic() + 5
    while not server.process.stdout.closed:  # the reader closes it after the last line
        assert time.monotonic() < deadline, "the output never ended"
        time.sleep(0.01)
    return list(server.lines)


@pytest.fixture(scope="module")
def stopped(protocol) -> tuple[int, list[str]]:
    """Two tasks in their critical step, then SIGTERM with a 1 s graceful timeout."""
    args = ["--timeout-graceful-shutdown", str(GRACE), *protocol]
    with LiveServer(APP, env={"STEP_SECONDS": str(STEP)}, args=args) as server:
        for route, name in [("settle-in-scope", "a"), ("settle", "b")]:
            assert httpx.post(f"{server.url}/{route}/{name}").status_code == 200
            server.wait_for_line(f"{name}: ledger write started")
        server.signal(signal.SIGTERM)
        returncode = server.wait(timeout=STEP + 10)
        return returncode, all_it_printed(server)


def cancel_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if "timeout graceful shutdown exceeded" in line)


def test_the_task_gets_cancelled_error_even_in_an_anyio_shield(stopped):
    _, lines = stopped
    assert lines.index("a: cancelled") > cancel_line(lines)
    assert "a: ledger written" not in lines


def test_a_shielded_step_the_lifespan_waits_for_finishes(stopped):
    _, lines = stopped
    cancelled, written = lines.index("b: cancelled"), lines.index("b: ledger written")
    waiting = lines.index("lifespan: waiting for 1 critical step(s)")
    assert cancel_line(lines) < cancelled < written < lines.index("lifespan: shutdown done")
    assert cancel_line(lines) < waiting < written
    assert "b: done" not in lines  # the task itself was cancelled: only the step went on


def test_the_process_exits_by_its_sigterm(stopped):
    returncode, _ = stopped
    assert returncode == -signal.SIGTERM


def test_each_cancelled_request_logs_a_traceback(stopped):
    _, lines = stopped
    after = lines[cancel_line(lines) :]
    assert sum("Exception in ASGI application" in line for line in after) == 2  # a and b
    assert sum(line.startswith("asyncio.exceptions.CancelledError") for line in after) >= 2
