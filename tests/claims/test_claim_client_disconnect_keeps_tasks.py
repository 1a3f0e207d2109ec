"""A client that drops its connection once it has the response, even with a TCP reset,
does not stop the background task: the task belongs to the server process, not to the
connection, and runs to the end. A client that leaves before the response does not stop
the endpoint either: it runs to its end, its response goes nowhere, and its tasks run."""

import socket
import struct

import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "client-disconnect-keeps-tasks"
TASK_SECONDS = 1.0


def reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) once the `with` block ends."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def post_then_reset(port: int, path: str) -> bytes:
    """Send a POST, read the status line, then close with a TCP reset (SO_LINGER 0)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n".encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
        reset(sock)
    return status_line


def test_the_task_outlives_a_reset_connection(protocol):
    env = {"TASK_SECONDS": str(TASK_SECONDS)}
    with LiveServer("guide.examples.basic_add_task:app", env=env, args=protocol) as server:
        assert post_then_reset(server.port, "/reports/dropped") == b"HTTP/1.1 200 OK"
        done_at_reset = any("report dropped: done" in line for line in list(server.lines))
        server.wait_for_line("report dropped: done", timeout=TASK_SECONDS + 10)
        output = server.output()

    assert not done_at_reset  # the connection was gone while the task still ran
    assert "Traceback" not in output


def test_a_client_gone_before_the_response_stops_neither_endpoint_nor_task(protocol):
    with LiveServer("guide.examples.client_leaves_early:app", args=protocol) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"POST /reports/early HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
            server.wait_for_line("report early: endpoint started")
            reset(sock)  # gone before the response
        server.wait_for_line("report early: task done")
        lines = list(server.lines)

    assert lines.index("report early: endpoint done") < lines.index("report early: task done")
    assert not any("Traceback" in line for line in lines)
