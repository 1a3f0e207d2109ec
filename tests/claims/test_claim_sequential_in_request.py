"""The tasks of one request run one after another, never at the same time, after its
response has been sent; the tasks of different requests do overlap."""

import re
import time
from itertools import pairwise

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "sequential-in-request"
TASK_SECONDS = 0.5
STEPS = ["resize", "thumbnail", "notify"]
LINE = re.compile(r"\[\s*([\d.]+)s\] job (\w+): (\w+) (started|done)")


@pytest.fixture(scope="module")
def server():
    env = {"TASK_SECONDS": str(TASK_SECONDS)}
    with LiveServer("guide.examples.tasks_run_in_order:app", env=env) as server:
        yield server


def timeline(lines: list[str]) -> dict[tuple[str, str, str], float]:
    """{(job, step, "started" | "done"): seconds} from the server's output."""
    return {m.group(2, 3, 4): float(m[1]) for line in lines if (m := LINE.search(line))}


def test_steps_of_one_request_run_one_after_another(server):
    start = len(server.lines)
    answered = []
    for job in "AB":
        sent = time.monotonic()
        assert httpx.post(f"{server.url}/jobs/{job}").status_code == 200
        answered.append(time.monotonic() - sent)
    assert max(answered) < TASK_SECONDS, f"a response waited for a step: {answered}"
    server.wait_for_line("job A: notify done", timeout=10, start=start)
    server.wait_for_line("job B: notify done", timeout=10, start=start)
    t = timeline(server.lines[start:])

    for job in "AB":
        for before, after in pairwise(STEPS):
            assert t[job, after, "started"] >= t[job, before, "done"]
            assert t[job, after, "started"] - t[job, before, "started"] >= 0.9 * TASK_SECONDS
        assert t[job, "notify", "done"] - t[job, "resize", "started"] >= 2.9 * TASK_SECONDS

    # B's first step began while A's first step was still running.
    assert t["B", "resize", "started"] < t["A", "resize", "done"]

    base = t["A", "resize", "started"]
    starts = [f"{t['A', step, 'started'] - base:.2f}" for step in STEPS]
    offset = t["B", "resize", "started"] - base
    print(
        f"responses in {'/'.join(f'{seconds * 1000:.0f}' for seconds in answered)} ms; "
        f"job A steps started at {'/'.join(starts)}s; job B started at {offset:.2f}s"
    )
