"""On uvicorn, whatever a middleware awaits in its `send` wrapper after a `StreamingResponse`'s
last chunk is cancelled: Starlette sends a stream from a task group that it cancels once the
server reports the client gone, and uvicorn (ASGI spec 2.3) reports that as soon as the
response is complete. After a whole (non-streamed) response the same work finishes;
shielded, it finishes after a stream too. The response's background tasks run all the same:
after that task group. What the middleware awaits once `await self.app(...)` has returned is
outside that task group: it finishes, after the response's background tasks. The demo app's
request records are written in the `send` wrapper, shielded."""

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "after-last-chunk-cancelled"
APP = "guide.examples.after_last_chunk:app"


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer(APP, args=protocol) as server:
        yield server


def outcome(server: LiveServer, path: str) -> str:
    label = path.rsplit("/", 1)[-1]
    start = len(server.lines)
    assert httpx.get(f"{server.url}{path}").status_code == 200
    line = server.wait_for_line(rf"^{label}: (recorded|cancelled)$", start=start)
    return line.split(": ")[1]


def test_work_after_a_whole_response_finishes(server):
    assert outcome(server, "/json/j1") == "recorded"


def test_work_after_a_streams_last_chunk_is_cancelled(server):
    assert [outcome(server, f"/stream/s{n}") for n in range(3)] == ["cancelled"] * 3


def test_the_streams_background_task_runs_all_the_same(server):
    start = len(server.lines)
    assert outcome(server, "/stream/t1") == "cancelled"
    server.wait_for_line(r"^t1: task ran$", start=start)


def test_shielded_work_after_a_stream_finishes(server):
    assert outcome(server, "/shielded/h1") == "recorded"


def test_work_after_the_app_returns_finishes_after_the_tasks(server):
    start = len(server.lines)
    assert outcome(server, "/after-app/a1") == "recorded"
    lines = server.lines[start:]
    assert lines.index("a1: task ran") < lines.index("a1: recorded")
