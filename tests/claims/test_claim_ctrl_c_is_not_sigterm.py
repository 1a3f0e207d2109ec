"""Ctrl+C (SIGINT) and SIGTERM end a graceful shutdown differently. With
`--timeout-graceful-shutdown`, both make uvicorn cancel the `async def` tasks still running
at the timeout and log "Finished server process". After SIGTERM, uvicorn re-raises the
signal and the process dies by it (exit status -15) with a `def` task's thread still
running: the task never finishes. After SIGINT, the re-raised signal is Python's
`KeyboardInterrupt`: the interpreter exits normally, which means it first joins AnyIO's
worker threads (they are not daemon threads), so the process lives on until the `def` task
has finished, and exits 0."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "ctrl-c-is-not-sigterm"
APP = "guide.examples.shutdown_waits:app"
GRACE = 1  # --timeout-graceful-shutdown, in seconds
TASK = 4.0  # far past GRACE


def stop_with(sig: int, route: str, protocol: list[str]) -> tuple[float, float, int, list[str]]:
    """Start one task, send `sig`: seconds to "Finished server process" and to the exit,
    the exit status and every line printed."""
    args = ["--timeout-graceful-shutdown", str(GRACE), *protocol]
    with LiveServer(APP, env={"TASK_SECONDS": str(TASK)}, args=args) as server:
        assert httpx.post(f"{server.url}/{route}/t").status_code == 200
        server.wait_for_line("export t: started")
        began = time.monotonic()
        server.signal(sig)
        server.wait_for_line("Finished server process", timeout=TASK + 10)
        finished = time.monotonic() - began
        returncode = server.wait(timeout=TASK + 10)
        exited = time.monotonic() - began
        deadline = time.monotonic() + 5
        while not server.process.stdout.closed:  # the reader closes it after the last line
            assert time.monotonic() < deadline, "the output never ended"
            time.sleep(0.01)
        return finished, exited, returncode, list(server.lines)


def test_ctrl_c_keeps_the_process_until_a_def_task_ends(protocol):
    finished, exited, returncode, lines = stop_with(signal.SIGINT, "sync-exports", protocol)
    assert finished < TASK / 2, f"'Finished server process' {finished:.2f}s after SIGINT"
    assert exited > finished + GRACE, f"exited {exited:.2f}s after SIGINT"
    assert "export t: done" in lines  # printed after "Finished server process"
    assert lines.index("export t: done") > next(
        i for i, line in enumerate(lines) if "Finished server process" in line
    )
    assert returncode == 0
    print(f"SIGINT, def task: finished {finished:.2f}s, exited {exited:.2f}s, status 0")


def test_sigterm_ends_the_process_without_a_def_task(protocol):
    finished, exited, returncode, lines = stop_with(signal.SIGTERM, "sync-exports", protocol)
    assert exited < TASK / 2, f"exited {exited:.2f}s after SIGTERM"
    assert "export t: done" not in lines
    assert returncode == -signal.SIGTERM
    print(f"SIGTERM, def task: finished {finished:.2f}s, exited {exited:.2f}s, task lost")


@pytest.mark.parametrize(
    ("sig", "status"),
    [(signal.SIGINT, 0), (signal.SIGTERM, -signal.SIGTERM)],
    ids=["SIGINT", "SIGTERM"],
)
def test_either_signal_cancels_an_async_task_at_the_timeout(sig, status, protocol):
    _, exited, returncode, lines = stop_with(sig, "exports", protocol)
    assert exited < TASK / 2, f"exited {exited:.2f}s after the signal"
    assert "export t: cancelled" in lines
    assert "export t: done" not in lines
    assert returncode == status
