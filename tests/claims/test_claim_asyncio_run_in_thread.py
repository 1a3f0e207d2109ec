"""`add_task(asyncio.run, coro)` works, but runs the coroutine in a worker thread on a
new event loop: it holds a thread and cannot use anything bound to the server's loop
(an `asyncio.Lock` that tasks on the server's loop waited for raises "bound to a
different event loop"). The coroutine object exists as soon as the endpoint runs, so
when the request then fails it is never awaited and Python warns about it.
Pass the coroutine function and its arguments: `add_task(process_file, path)`."""

import re

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "asyncio-run-in-thread"
APP = "guide.examples.asyncio_run_in_thread:app"
WHERE = re.compile(r": on (?P<loop>.+), in (?P<thread>.+)$")
NEVER_AWAITED = r"RuntimeWarning: coroutine 'process_file' was never awaited"


@pytest.fixture(scope="module")
def server():
    with LiveServer(APP, env={"WRITE_SECONDS": "0"}) as server:
        yield server


def post(server: LiveServer, path: str, status: int = 200) -> None:
    assert httpx.post(f"{server.url}{path}").status_code == status


def where_it_ran(server: LiveServer, path: str) -> dict[str, str]:
    start = len(server.lines)
    post(server, path)
    line = server.wait_for_line(r"\.csv: on ", start=start)
    return WHERE.search(line).groupdict()


def test_asyncio_run_uses_a_worker_thread_and_a_new_loop(server):
    where = where_it_ran(server, "/wrong/a.csv")
    assert where["loop"] == "a new event loop"
    assert where["thread"] != "MainThread"
    print(f"add_task(asyncio.run, coro): {where}")


def test_coroutine_function_runs_on_the_server_loop(server):
    where = where_it_ran(server, "/right/b.csv")
    assert where == {"loop": "the server's loop", "thread": "MainThread"}


def test_a_lock_bound_to_the_server_loop_breaks_in_asyncio_run():
    # Each task holds the lock for 1 s. c is posted once b waits for a: c asks for the lock
    # while a or b holds it (a window of at least b's whole second, for one local POST).
    with LiveServer(APP, env={"WRITE_SECONDS": "1"}) as server:
        post(server, "/right/a.csv")
        server.wait_for_line(r"^a\.csv: writing")
        post(server, "/right/b.csv")  # waits for the lock on the server's loop: binds it
        server.wait_for_line(r"^b\.csv: on the server's loop")
        post(server, "/wrong/c.csv")  # the response is a 200 all the same
        error = server.wait_for_line(r"^RuntimeError: .*Lock", timeout=10)
        server.wait_for_line(r"^b\.csv: written", timeout=10)
        lines = list(server.lines)

    assert re.search(r"<asyncio\.locks\.Lock .*> is bound to a different event loop$", error)
    assert "a.csv: written" in lines and "b.csv: written" in lines
    assert "c.csv: on a new event loop" in "\n".join(lines)
    assert "c.csv: writing" not in lines and "c.csv: written" not in lines
    print(f"asyncio.run task on a contended lock: {error}")


def test_a_failed_request_leaves_the_coroutine_never_awaited(server):
    start = len(server.lines)
    post(server, "/right/d.txt", status=400)  # nothing created, nothing to warn about
    post(server, "/wrong/e.txt", status=400)
    warning = server.wait_for_line(NEVER_AWAITED, start=start)
    lines = server.lines[start:]

    failed = next(i for i, line in enumerate(lines) if "POST /wrong/e.txt" in line)
    warnings = [i for i, line in enumerate(lines) if re.search(NEVER_AWAITED, line)]
    assert len(warnings) == 1 and warnings[0] > failed, lines
    assert not [line for line in lines if re.match(r"[de]\.txt: ", line)]  # neither ran
    print(f"asyncio.run form, request failed: {warning}")
