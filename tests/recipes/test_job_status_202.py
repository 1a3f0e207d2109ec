import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live


def poll(client: httpx.Client, location: str, until: str, timeout: float = 15) -> list[dict]:
    """Every status seen while polling, up to the first `until`."""
    seen = []
    deadline = time.monotonic() + timeout
    while not seen or seen[-1]["status"] != until:
        assert time.monotonic() < deadline, seen
        seen.append(client.get(location).json())
        time.sleep(0.05)
    return seen


@pytest.fixture(scope="module")
def client():
    with LiveServer("guide.recipes.job_status_202:app") as server:
        with httpx.Client(base_url=server.url) as client:
            yield client


def test_accepted_then_running_then_done(client):
    started = time.monotonic()
    response = client.post("/reports", params={"months": 12})  # 1.2 s of work
    answered = time.monotonic() - started

    assert response.status_code == 202
    assert answered < 1.0, f"the 202 took {answered:.2f}s"
    job = response.json()
    assert job["status"] == "pending"
    assert response.headers["Location"] == f"/jobs/{job['id']}"
    seen = poll(client, response.headers["Location"], until="done")
    assert seen[0]["status"] == "running"
    assert seen[-1]["result"] == {"months": 12, "total": 1200}


def test_a_failing_job_shows_failed_with_its_error(client):
    response = client.post("/reports", params={"months": 25})
    seen = poll(client, response.headers["Location"], until="failed")
    assert seen[-1]["error"] == "at most 24 months"


def test_an_unknown_job_is_404(client):
    assert client.get("/jobs/nope").status_code == 404
