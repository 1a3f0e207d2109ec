"""On a real server the client gets its response at once and the background task runs
after it. In tests, httpx's ASGITransport and Starlette's TestClient return only after every
task has finished."""

import time

import httpx
import pytest

from guide.examples import basic_add_task
from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "response-before-tasks"
TASK_SECONDS = 2.0  # the response takes ms: a loaded machine has room to answer first


def test_real_server_answers_before_the_task_ends(protocol):
    env = {"TASK_SECONDS": str(TASK_SECONDS)}
    with LiveServer("guide.examples.basic_add_task:app", env=env, args=protocol) as server:
        started = time.monotonic()
        response = httpx.post(f"{server.url}/reports/q1")
        answered = time.monotonic() - started
        done_before_answer = any("report q1: done" in line for line in list(server.lines))

        server.wait_for_line("report q1: done", timeout=TASK_SECONDS + 10)
        finished = time.monotonic() - started
        lines = list(server.lines)

    access = next(i for i, line in enumerate(lines) if '"POST /reports/q1 HTTP/1.1" 200' in line)
    assert access < lines.index("report q1: started") < lines.index("report q1: done")

    assert response.status_code == 200
    assert not done_before_answer
    assert answered < TASK_SECONDS, f"response took {answered:.2f}s: it waited for the task"
    assert finished >= TASK_SECONDS, f"task ended {finished:.2f}s after the request"
    print(f"real server: response {answered:.3f}s, task done {finished:.2f}s")


async def test_asgi_transport_waits_for_the_task(monkeypatch, capsys):
    monkeypatch.setattr(basic_add_task, "TASK_SECONDS", 0.3)
    transport = httpx.ASGITransport(app=basic_add_task.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        started = time.monotonic()
        response = await client.post("/reports/q2")
        answered = time.monotonic() - started
        printed = capsys.readouterr().out

    assert response.status_code == 200
    assert "report q2: done" in printed  # the task had finished when the response came
    assert answered >= 0.3, f"response took {answered:.2f}s"
    print(f"ASGITransport: response {answered:.3f}s")


def test_starlette_testclient_waits_for_the_task(monkeypatch, capsys):
    from fastapi.testclient import TestClient

    monkeypatch.setattr(basic_add_task, "TASK_SECONDS", 0.3)
    started = time.monotonic()
    response = TestClient(basic_add_task.app).post("/reports/q3")
    answered = time.monotonic() - started

    assert response.status_code == 200
    assert "report q3: done" in capsys.readouterr().out
    assert answered >= 0.3, f"response took {answered:.2f}s"
