import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server():
    with LiveServer("guide.recipes.streaming_iterator_raises:app") as server:
        yield server


def test_a_complete_stream_runs_the_finally_and_the_task(server):
    start = len(server.lines)
    response = httpx.get(f"{server.url}/exports/1", params={"rows": 3})
    assert response.text == "0,row 0\n1,row 1\n2,row 2\n"
    server.wait_for_line("export 1: background task ran", start=start)
    assert "export 1: finally, complete" in server.lines[start:]


def test_a_failing_stream_runs_the_finally_but_not_the_task(server):
    start = len(server.lines)
    received = b""
    with pytest.raises(httpx.RemoteProtocolError):  # the body was cut off
        with httpx.stream("GET", f"{server.url}/exports/2", params={"rows": 500}) as response:
            assert response.status_code == 200  # sent with the first chunk
            for chunk in response.iter_bytes():
                received += chunk
    server.wait_for_line("ConnectionError: database went away", start=start)
    output = server.lines[start:]

    assert received.count(b"\n") == 100
    assert "export 2: finally, failed" in output
    assert "ERROR:    Exception in ASGI application" in output
    assert not any("export 2: background task ran" in line for line in output)
