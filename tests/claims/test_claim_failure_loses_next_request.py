"""No pipelining is needed to lose a request to a failing task: a client that reuses its
kept-alive connection (`httpx.Client`, `requests.Session`, a browser, a proxy's pool) and
sends its next request while the previous response's task is still running loses that
request when the task raises, every time, though the server runs it. uvicorn starts
serving the next request once a response is complete, then closes the connection when
the task raises. A request sent once the connection is closed goes out on a new one."""

import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "failure-loses-next-request"
ROUNDS = 5


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer("guide.examples.failure_drops_next_request:app", args=protocol) as server:
        yield server


def test_the_next_request_sent_while_the_task_runs_is_lost(server):
    lost = 0
    for round in range(ROUNDS):
        with httpx.Client(base_url=server.url, timeout=10) as client:  # one kept-alive connection
            assert client.post(f"/slow-orders/{round}").status_code == 200
            try:
                client.get(f"/reports/r{round}")  # sent at once, on the same connection
            except httpx.RemoteProtocolError as error:
                assert "without sending a response" in str(error)
                lost += 1
        server.wait_for_line(f"report r{round}: done")  # the server ran it to the end

    assert lost == ROUNDS, f"{lost} of {ROUNDS} next requests lost"


def test_a_request_sent_after_the_close_opens_a_new_connection(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        start = len(server.lines)
        assert client.post("/slow-orders/99").status_code == 200
        server.wait_for_line("RuntimeError: order 99", start=start)
        time.sleep(0.2)  # the close has reached the client
        assert client.get("/reports/after").json() == {"report": "after"}
