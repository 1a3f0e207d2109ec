"""On SIGTERM (a normal stop or restart) uvicorn waits for running background tasks to
finish, by default for as long as they take. A SIGKILL or a crash loses them, and with
`--timeout-graceful-shutdown N` a task still running after N seconds is cancelled; a
`def` task's thread cannot be: the process exits without waiting for it."""

import signal
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "shutdown-waits"
APP = "guide.examples.shutdown_waits:app"


def start_export(server: LiveServer, name: str, route: str = "exports") -> None:
    assert httpx.post(f"{server.url}/{route}/{name}").status_code == 200
    server.wait_for_line(f"export {name}: started")


def all_it_printed(server: LiveServer) -> list[str]:
    """Every line of an exited process: its output read to the end (the reader closes the
    pipe after the last line), so a line missing from it was never printed."""
    deadline = time.monotonic() + 5
    while not server.process.stdout.closed:
        assert time.monotonic() < deadline, "the output never ended"
        time.sleep(0.01)
    return list(server.lines)


def sigterm(server: LiveServer, wait: float) -> tuple[float, int, list[str]]:
    """SIGTERM, then how long the process took to exit, its code, and all it printed."""
    began = time.monotonic()
    server.signal(signal.SIGTERM)
    returncode = server.wait(timeout=wait)
    took = time.monotonic() - began
    return took, returncode, all_it_printed(server)


def test_sigterm_waits_for_the_running_task(protocol):
    task_seconds = 1.0
    with LiveServer(APP, env={"TASK_SECONDS": str(task_seconds)}, args=protocol) as server:
        start_export(server, "a")
        took, _, lines = sigterm(server, wait=task_seconds + 10)

    waiting = next(i for i, line in enumerate(lines) if "Waiting for background tasks" in line)
    assert lines.index("export a: done") > waiting
    assert "Finished server process" in lines[-1]
    assert took > task_seconds / 2, f"exited {took:.2f}s after SIGTERM"
    print(f"SIGTERM: exit {took:.2f}s later, after the task's 'done' line")


def test_sigkill_loses_the_running_task():
    with LiveServer(APP, env={"TASK_SECONDS": "1"}) as server:
        start_export(server, "b")
        server.kill()  # and waits for the exit: nothing can be printed after this
        lines = all_it_printed(server)

    assert server.process.returncode == -signal.SIGKILL
    assert "export b: started" in lines
    assert "export b: done" not in lines


GRACE = 1  # --timeout-graceful-shutdown, in seconds
LONG_TASK = 5.0  # far past GRACE: a process that waited for it would be seen waiting


@pytest.fixture(scope="module")
def graceful_timeout(protocol) -> tuple[float, int, list[str]]:
    """One SIGTERM with --timeout-graceful-shutdown, an async and a def task running."""
    args = ["--timeout-graceful-shutdown", str(GRACE), *protocol]
    with LiveServer(APP, env={"TASK_SECONDS": str(LONG_TASK)}, args=args) as server:
        start_export(server, "c")
        start_export(server, "d", route="sync-exports")
        return sigterm(server, wait=LONG_TASK + 10)


def test_graceful_shutdown_timeout_cancels_the_task(graceful_timeout):
    took, _, lines = graceful_timeout
    cancel = next(i for i, line in enumerate(lines) if "timeout graceful shutdown" in line)
    assert lines.index("export c: cancelled") > cancel
    assert "export c: done" not in lines
    assert took < LONG_TASK / 2, f"exited {took:.2f}s after SIGTERM"
    print(f"--timeout-graceful-shutdown {GRACE}: exit {took:.2f}s after SIGTERM, cancelled")


def test_graceful_shutdown_timeout_abandons_a_def_task_thread(graceful_timeout):
    took, returncode, lines = graceful_timeout
    cancel = next(i for i, line in enumerate(lines) if "timeout graceful shutdown" in line)
    assert cancel > lines.index("export d: started")
    assert took < LONG_TASK / 2, f"exited {took:.2f}s after SIGTERM"
    assert "export d: done" not in lines  # the thread was still sleeping: gone with the process
    print(f"def task: exit {took:.2f}s after SIGTERM (code {returncode}), 'done' never printed")
