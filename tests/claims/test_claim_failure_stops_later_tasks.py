"""If a background task raises, the tasks queued after it in the same response never run.
The client has already received its 200 response by then."""

import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "failure-stops-later-tasks"


@pytest.fixture(scope="module")
def server():
    with LiveServer("guide.examples.failing_task_stops_the_rest:app") as server:
        yield server


def test_a_failing_task_stops_the_tasks_after_it(server):
    start = len(server.lines)
    response = httpx.post(f"{server.url}/orders/7")
    assert response.status_code == 200

    server.wait_for_line(r"RuntimeError: order 7: payment service unavailable", start=start)
    time.sleep(0.5)  # time enough for a later task that was going to run
    output = server.lines[start:]

    assert "order 7: saved" in output
    assert "order 7: receipt sent" not in output


def test_the_failure_closes_the_keep_alive_connection(server):
    def post_from_port(client: httpx.Client, path: str) -> int:
        response = client.post(path)
        assert response.status_code == 200
        return response.extensions["network_stream"].get_extra_info("client_addr")[1]

    start = len(server.lines)
    with httpx.Client(base_url=server.url) as client:
        first = post_from_port(client, "/orders/8")
        server.wait_for_line("RuntimeError: order 8", start=start)
        time.sleep(0.2)
        second = post_from_port(client, "/orders/9")
        server.wait_for_line("RuntimeError: order 9", start=start)

    assert first != second, "the second request reused the first one's connection"
