import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live


def test_a_running_import_stops_at_its_next_await():
    with LiveServer("guide.recipes.cancel_running_task:app") as server, httpx.Client() as client:
        assert client.post(f"{server.url}/imports/1").status_code == 202
        server.wait_for_line("import 1: batch 3 of 20", timeout=10)
        asked = time.monotonic()
        assert client.delete(f"{server.url}/imports/1").json() == {"cancelled": 1}
        server.wait_for_line("import 1: cleaned up, cancelled=True", timeout=5)
        stopped = time.monotonic() - asked
        time.sleep(0.5)  # more than two batches' time: none may follow
        batches = [line for line in server.lines if line.startswith("import 1: batch")]

        assert client.delete(f"{server.url}/imports/1").status_code == 404  # gone
        assert client.post(f"{server.url}/imports/2", params={"steps": 1}).status_code == 202
        server.wait_for_line("import 2: cleaned up, cancelled=False")

    assert stopped < 0.5, f"stopped {stopped:.2f}s after the request"
    assert 3 <= len(batches) < 20
    print(f"cancelled after {len(batches)} of 20 batches, {stopped * 1000:.0f} ms after DELETE")
