"""A response that streams (`StreamingResponse`, `FileResponse`, FastAPI's server-sent
events with `response_class=EventSourceResponse`) carries the injected `BackgroundTasks`
like any other: its tasks run once the last chunk is sent, so after a stream that ends;
when the client disconnects mid-stream they run at once, on a stream that would never
have ended; a `StreamingResponse` closes its generator before them, FastAPI's SSE after
them. A task given a `FileResponse` runs after the whole file was sent (it can delete it).
Seen on a real uvicorn server."""

import os

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "streaming-tasks-after-stream"


@pytest.fixture(scope="module")
def server(protocol):
    with LiveServer("guide.examples.streaming_tasks:app", args=protocol) as server:
        yield server


def lines_of(server: LiveServer, label: str) -> list[str]:
    return [line for line in list(server.lines) if line.startswith(f"{label}:")]


@pytest.mark.parametrize("route", ["stream", "events"])
def test_tasks_run_after_a_stream_that_ends(server, route):
    label = f"{route}-ends"
    response = httpx.get(f"{server.url}/{route}/{label}?count=3")
    assert response.status_code == 200
    assert response.text.count("line ") == 3
    server.wait_for_line(f"^{label}: task ran")
    assert lines_of(server, label) == [f"{label}: stream ended after 3 lines", f"{label}: task ran"]


@pytest.mark.parametrize("route", ["stream", "events"])
def test_tasks_run_at_once_when_the_client_leaves_mid_stream(server, route):
    label = f"{route}-left"
    with httpx.stream("GET", f"{server.url}/{route}/{label}?count=0") as response:  # endless
        first = next(line for line in response.iter_lines() if line)
        assert "line 0" in first
    # the client closed its connection: the endless stream is cut, and the task runs
    server.wait_for_line(f"^{label}: task ran")
    server.wait_for_line(f"^{label}: stream cancelled")
    lines = lines_of(server, label)
    assert not any("stream ended" in line for line in lines)
    # StreamingResponse closes its generator, then runs the tasks; FastAPI's SSE closes
    # the generator when the request's exit stack unwinds, after the tasks
    first = "stream cancelled" if route == "stream" else "task ran"
    assert lines[0].startswith(f"{label}: {first}")


def test_a_file_responses_task_runs_after_the_file_was_sent(server):
    response = httpx.get(f"{server.url}/exports/q4")
    assert response.status_code == 200
    assert response.text == "export,q4\n" * 1000  # the whole file reached the client
    server.wait_for_line("^export q4: task ran")  # added after os.remove: it ran first
    assert not os.path.exists(response.headers["X-Export-Path"])
