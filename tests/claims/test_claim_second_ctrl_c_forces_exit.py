"""A first Ctrl+C (SIGINT) starts uvicorn's graceful shutdown, which waits for the running
tasks; a second one forces the exit at once: the task is cancelled and never finishes, and
the lifespan's shutdown is skipped. The exit status is then 0."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "second-ctrl-c-forces-exit"
STEP = 5.0  # a task far longer than the exit takes: a process that waited would be seen


def test_a_second_sigint_exits_without_waiting_for_the_task():
    with LiveServer(
        "guide.examples.shutdown_cancellation:app", env={"STEP_SECONDS": str(STEP)}
    ) as server:
        assert httpx.post(f"{server.url}/settle/c").status_code == 200
        server.wait_for_line("c: ledger write started")
        server.signal(signal.SIGINT)
        server.wait_for_line("Waiting for background tasks to complete")
        began = time.monotonic()
        server.signal(signal.SIGINT)
        returncode = server.wait(timeout=STEP + 10)
        took = time.monotonic() - began
        deadline = time.monotonic() + 5
        while not server.process.stdout.closed:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        lines = list(server.lines)

    assert took < STEP / 2, f"exited {took:.2f}s after the second SIGINT"
    assert "c: cancelled" in lines  # at the exit, still in its await
    assert "c: ledger written" not in lines
    assert "lifespan: shutdown done" not in lines
    assert "Finished server process" in "\n".join(lines)
    assert returncode == 0
