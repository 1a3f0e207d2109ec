import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server():
    with LiveServer("guide.recipes.exception_handler_vs_task_errors:app") as server:
        yield server


def test_a_task_error_bypasses_the_handler(server):
    start = len(server.lines)
    response = httpx.post(f"{server.url}/contacts/1")
    server.wait_for_line(r"ExportFailed: contact 1: CRM timed out", start=start)
    output = server.lines[start:]

    assert response.status_code == 200
    assert "ERROR:    Exception in ASGI application" in output
    assert not any("handler called" in line for line in output)


def test_the_same_error_in_the_endpoint_reaches_the_handler(server):
    start = len(server.lines)
    response = httpx.post(f"{server.url}/contacts/2/export")
    assert response.status_code == 503
    assert response.json() == {"detail": "export service unavailable"}
    server.wait_for_line("handler called: contact 2: CRM timed out", start=start)
