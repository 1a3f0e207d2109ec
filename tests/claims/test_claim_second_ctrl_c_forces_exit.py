"""A first Ctrl+C (SIGINT) starts uvicorn's graceful shutdown, which waits for the running
tasks; a second one stops the wait at once. An `async def` task is cancelled and never
finishes, and the lifespan's shutdown is skipped. A `def` task is not stopped: its thread
runs on, and the process (the interpreter joins AnyIO's worker threads at exit) ends only
when the task has finished. The exit status is 0 either way."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "second-ctrl-c-forces-exit"
STEP = 5.0  # a task far longer than the exit takes: a process that waited would be seen


def two_sigints(server: LiveServer) -> tuple[float, int, list[str]]:
    """SIGINT, then a second once uvicorn waits for the tasks: seconds from the second to
    the exit, the exit status, and every line printed."""
    server.signal(signal.SIGINT)
    server.wait_for_line("Waiting for background tasks to complete")
    began = time.monotonic()
    server.signal(signal.SIGINT)
    returncode = server.wait(timeout=STEP + 10)
    took = time.monotonic() - began
    deadline = time.monotonic() + 5
    while not server.process.stdout.closed:  # the reader closes it after the last line
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return took, returncode, list(server.lines)


def test_a_second_sigint_exits_without_waiting_for_an_async_task(protocol):
    with LiveServer(
        "guide.examples.shutdown_cancellation:app", env={"STEP_SECONDS": str(STEP)}, args=protocol
    ) as server:
        assert httpx.post(f"{server.url}/settle/c").status_code == 200
        server.wait_for_line("c: ledger write started")
        took, returncode, lines = two_sigints(server)

    assert took < STEP / 2, f"exited {took:.2f}s after the second SIGINT"
    assert "c: cancelled" in lines  # at the exit, still in its await
    assert "c: ledger written" not in lines
    assert "lifespan: shutdown done" not in lines
    assert "Finished server process" in "\n".join(lines)
    assert returncode == 0


def test_a_second_sigint_does_not_stop_a_def_task(protocol):
    env = {"TASK_SECONDS": str(STEP)}
    with LiveServer("guide.examples.shutdown_waits:app", env=env, args=protocol) as server:
        assert httpx.post(f"{server.url}/sync-exports/d").status_code == 200
        server.wait_for_line("export d: started")
        took, returncode, lines = two_sigints(server)

    finished = next(i for i, line in enumerate(lines) if "Finished server process" in line)
    assert lines.index("export d: done") > finished  # the thread ran on past uvicorn's end
    assert took > STEP / 2, f"exited {took:.2f}s after the second SIGINT"
    assert returncode == 0
    print(f"def task: exit {took:.2f}s after the second SIGINT, once the task was done")
