"""`def` background tasks run in worker threads under AnyIO's default limiter (40 tokens),
the same limiter that `def` endpoints and `def` dependencies take from: tasks that hold
every token hold up every `def` endpoint, while `async def` endpoints keep answering."""

import time

import anyio.to_thread
import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "threadpool-shared"
TASK_SECONDS = 2.0
THREADS = 4  # the example lowers the pool from 40 so four requests fill it


async def test_the_default_pool_has_40_threads():  # 40 tokens: the name is the table's key
    assert anyio.to_thread.current_default_thread_limiter().total_tokens == 40


@pytest.fixture(scope="module")
def server():
    env = {"TASK_SECONDS": str(TASK_SECONDS), "THREADS": str(THREADS)}
    with LiveServer("guide.examples.threadpool_shared:app", env=env) as server:
        yield server


def timed_get(url: str) -> float:
    began = time.monotonic()
    assert httpx.get(url, timeout=TASK_SECONDS + 10).status_code == 200
    return time.monotonic() - began


def access_line(lines: list[str], path: str) -> str:
    return next(line for line in lines if f'"GET {path} HTTP/1.1" 200' in line)


def test_def_tasks_hold_up_def_endpoints_only(server):
    start = len(server.lines)
    for n in range(THREADS):
        assert httpx.post(f"{server.url}/images/img{n}").status_code == 200

    # /pool is an `async def` endpoint: it answers at once, even with every thread busy.
    deadline = time.monotonic() + TASK_SECONDS / 2
    while (pool := httpx.get(f"{server.url}/pool").json())["busy"] < THREADS:
        assert time.monotonic() < deadline, f"pool never filled: {pool}"
    async_took = timed_get(f"{server.url}/pool?last=1")
    sync_took = timed_get(f"{server.url}/sync-ping")
    resized = [
        server.wait_for_line(f"img{n}: resized", timeout=TASK_SECONDS + 10, start=start)
        for n in range(THREADS)
    ]

    print(f"pool {pool}: async def endpoint {async_took:.3f}s, def endpoint {sync_took:.3f}s")
    assert pool == {"threads": THREADS, "busy": THREADS}
    # In the server's own order (its output), whatever the machine's speed: the async def
    # endpoint answered while every thread was busy, before any task ended; the def endpoint
    # only once a task had ended and given its thread back.
    lines = server.lines[start:]
    first_free = min(lines.index(line) for line in resized)
    assert lines.index(access_line(lines, "/pool?last=1")) < first_free
    assert lines.index(access_line(lines, "/sync-ping")) > first_free
