"""When a background task raises, uvicorn closes the connection its response went out on,
and a request the client had already sent on that keep-alive connection, not answered yet
when the task raises, never gets its response: the client sees the connection close
(httpx: `RemoteProtocolError: Server disconnected without sending a response`), though
the server ran the request. Behind a proxy that pools its connections to the app, that
request can be another user's. Without the failing task, the same two requests on one
connection are both answered."""

import re
import socket

import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "failure-loses-pipelined-request"
STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) ")


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer("guide.examples.failure_drops_next_request:app", args=protocol) as server:
        yield server


def request(method: str, path: str, last: bool = False) -> bytes:
    close = "Connection: close\r\n" if last else ""  # once answered, the server closes
    head = f"{method} {path} HTTP/1.1\r\nHost: app\r\n{close}Content-Length: 0\r\n\r\n"
    return head.encode()


def one_connection(server: LiveServer, *requests: bytes) -> bytes:
    """Send the requests on one connection in one write (pipelined: the second is on its
    way before the first is answered); read all that comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"".join(requests))
        received = b""
        while chunk := sock.recv(65536):  # not closed within 10 s: socket.timeout
            received += chunk
    return received


def test_a_failing_task_loses_the_next_request_on_its_connection(server):
    start = len(server.lines)
    order = request("POST", "/orders/10")
    received = one_connection(server, order, request("GET", "/reports/daily", last=True))
    server.wait_for_line("report daily: done", start=start)

    assert STATUS_LINE.findall(received) == [b"200"]  # the order's, and nothing after it
    assert b'"order_id":10' in received
    assert b'"report":"daily"' not in received
    lines = server.lines[start:]
    assert "RuntimeError: order 10: payment service unavailable" in lines
    assert lines.index("report daily: started") < lines.index("report daily: done")


def test_without_a_failing_task_both_pipelined_requests_are_answered(server):
    first, second = request("GET", "/reports/a"), request("GET", "/reports/b", last=True)
    received = one_connection(server, first, second)

    assert STATUS_LINE.findall(received) == [b"200", b"200"]
    assert b'"report":"a"' in received and b'"report":"b"' in received
