"""If a background task raises, the tasks queued after it in the same response never run.
The client has already received its 200 response by then."""

import select
import socket

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "failure-stops-later-tasks"


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer("guide.examples.failing_task_stops_the_rest:app", args=protocol) as server:
        yield server


def test_a_failing_task_stops_the_tasks_after_it(server):
    start = len(server.lines)
    response = httpx.post(f"{server.url}/orders/7")
    assert response.status_code == 200

    # uvicorn logs the traceback once the ASGI call has raised, and a response's tasks all
    # run inside that call: when this, its last line, is printed, no task of order 7 is left.
    server.wait_for_line(r"RuntimeError: order 7: payment service unavailable", start=start)
    output = server.lines[start:]

    assert "order 7: saved" in output
    assert "order 7: receipt sent" not in output


def closed_by_the_server(sock: socket.socket, timeout: float = 5.0) -> bool:
    """True once the other end has closed this connection (it reads as end of file)."""
    readable, _, _ = select.select([sock], [], [], timeout)
    return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""


def test_the_failure_closes_the_keep_alive_connection(server):
    # Each response's connection, seen while it is certainly still open. A duplicate of the
    # socket: httpcore closes its own as soon as it sees the server's end of file (its fd is
    # then -1), and the duplicate still reads that end of file.
    streams = []

    def keep_stream(response: httpx.Response) -> None:  # runs before the body is read
        stream = response.extensions["network_stream"]
        sock = stream.get_extra_info("socket").dup()
        streams.append((stream.get_extra_info("client_addr")[1], sock))

    start = len(server.lines)
    with httpx.Client(base_url=server.url, event_hooks={"response": [keep_stream]}) as client:
        assert client.post("/orders/8").status_code == 200
        assert closed_by_the_server(streams[0][1]), "still open 5 s after the failing task"
        server.wait_for_line("RuntimeError: order 8", start=start)
        assert client.post("/orders/9").status_code == 200  # so on a new connection
        server.wait_for_line("RuntimeError: order 9", start=start)

    for _, sock in streams:
        sock.close()
    [(first, _), (second, _)] = streams
    assert first != second, "the second request reused the first one's connection"
