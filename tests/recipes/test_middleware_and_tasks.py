import re
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live
TASK_SECONDS = 1.5


def test_neither_the_response_nor_the_next_request_waits_for_the_task():
    with LiveServer("guide.recipes.middleware_and_tasks:app") as server, httpx.Client() as client:
        client.get(f"{server.url}/articles")  # the first call of a route is slower: not measured
        started = time.monotonic()
        published = client.post(f"{server.url}/articles")
        answered = time.monotonic() - started
        listed = client.get(f"{server.url}/articles")  # the same kept-alive connection
        second = time.monotonic() - started
        task_done_by_then = any("index: done" in line for line in server.lines)
        server.wait_for_line("index: done", timeout=10)
        call_next = server.wait_for_lines(r"/articles: call_next returned", 3)

    assert published.status_code == listed.status_code == 200
    assert answered < TASK_SECONDS / 2, f"the response took {answered:.2f}s"
    assert second < TASK_SECONDS / 2, f"the next request was answered at {second:.2f}s"
    assert not task_done_by_then
    for line in call_next:  # the warm-up, the POST, the GET
        assert float(re.search(r"after ([\d.]+)s", line)[1]) < TASK_SECONDS / 2, line
    assert "app;dur=" in published.headers["Server-Timing"]
    print(f"response {answered * 1000:.0f} ms, next request done at {second * 1000:.0f} ms")
