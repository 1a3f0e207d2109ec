"""`add_task(asyncio.run, coro)` works, but runs the coroutine in a worker thread on a
new event loop: it holds a thread and cannot use anything bound to the server's loop.
Pass the coroutine function and its arguments: `add_task(process_file, path)`."""

import re

import httpx
import pytest

from guide.live import LiveServer

CLAIM = "asyncio-run-in-thread"
WHERE = re.compile(r": on (?P<loop>.+), in (?P<thread>.+)$")


@pytest.fixture(scope="module")
def server():
    with LiveServer("guide.examples.asyncio_run_in_thread:app") as server:
        yield server


def where_it_ran(server: LiveServer, path: str) -> dict[str, str]:
    start = len(server.lines)
    assert httpx.post(f"{server.url}{path}").status_code == 200
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
