"""`def` endpoints, `def` tasks, the setup of `def` dependencies with `yield` and `def`
iterators streamed by a `StreamingResponse` all take a token of one limiter, AnyIO's
default: 40 tokens, not 40 threads. A thread is made only when a call needs one (three
blocking calls: three worker threads). A call finding no token left waits, holding no
thread. Setting `total_tokens` in the lifespan resizes that limit for the whole app; work
given its own `anyio.CapacityLimiter` takes none of the default tokens."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "thread-tokens"
APP = "guide.examples.thread_tokens:app"


def limiter(server: LiveServer) -> dict[str, int]:
    return httpx.get(f"{server.url}/limiter").json()


def released(server: LiveServer, *names: str) -> None:
    for name in names:
        assert httpx.post(f"{server.url}/release/{name}").status_code == 200


@pytest.fixture(scope="module")
def server():
    with LiveServer(APP) as server:
        yield server


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(4) as pool:
        yield pool


def test_forty_tokens_and_threads_made_on_demand(server, pool):
    before = limiter(server)
    assert before["total_tokens"] == 40
    assert before["borrowed_tokens"] == 0
    assert before["worker_threads"] < 3

    names = ["a", "b", "c"]
    calls = [pool.submit(httpx.get, f"{server.url}/blocking/{n}", timeout=30) for n in names]
    for name in names:
        server.wait_for_line(f"{name}: holding a thread")
    during = limiter(server)
    released(server, *names)

    assert during["borrowed_tokens"] == 3
    assert during["worker_threads"] == 3  # one per running call, not 40
    assert [call.result().status_code for call in calls] == [200] * 3


def test_a_def_yield_dependency_takes_a_token(server, pool):
    call = pool.submit(httpx.get, f"{server.url}/reports/r1", timeout=30)
    server.wait_for_line("r1: holding a thread")
    during = limiter(server)
    released(server, "r1")

    assert during["borrowed_tokens"] == 1
    assert call.result().json() == {"done": "r1"}


def test_a_def_iterator_streamed_by_a_response_takes_a_token(server, pool):
    call = pool.submit(httpx.get, f"{server.url}/exports/e1", timeout=30)
    server.wait_for_line("e1: holding a thread")
    during = limiter(server)
    released(server, "e1")

    assert during["borrowed_tokens"] == 1
    assert call.result().text == "e1: row 1\n"


def test_an_own_capacity_limiter_takes_no_default_token(server, pool):
    call = pool.submit(httpx.get, f"{server.url}/hashes/h1", timeout=30)
    server.wait_for_line("h1: holding a thread")
    during = limiter(server)
    released(server, "h1")

    assert during["hashing_borrowed"] == 1
    assert during["borrowed_tokens"] == 0
    assert call.result().status_code == 200


def test_total_tokens_set_in_the_lifespan_limits_every_def_call(pool):
    with LiveServer(APP, env={"THREAD_TOKENS": "2"}) as server:
        calls = [pool.submit(httpx.get, f"{server.url}/blocking/{n}", timeout=30) for n in "xyz"]
        holding = server.wait_for_lines(r"^[xyz]: holding a thread", 2)
        waiting = limiter(server)
        while waiting["tasks_waiting"] < 1:  # the third request reaches the limiter
            waiting = limiter(server)
        first = holding[0][0]
        released(server, first)
        [third] = {*"xyz"} - {line[0] for line in holding}
        server.wait_for_line(f"{third}: holding a thread")
        released(server, *({*"xyz"} - {first}))
        assert [call.result().status_code for call in calls] == [200] * 3

    assert waiting["total_tokens"] == 2
    assert waiting["borrowed_tokens"] == 2
    assert waiting["worker_threads"] == 2  # the third waits without a thread
