import asyncio
import gc
import logging
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live
APP = "guide.recipes.create_task_done_right:app"


def test_the_response_comes_first_and_a_failure_is_logged():
    with LiveServer(APP) as server:
        started = time.monotonic()
        response = httpx.post(f"{server.url}/reports", params={"rows": 100})  # a 1 s task
        answered = time.monotonic() - started
        assert response.json() == {"running": 1}  # held in the set while it runs
        assert answered < 1.0, f"the response waited {answered:.2f}s"
        server.wait_for_line("report of 100 rows exported", timeout=10)

        httpx.post(f"{server.url}/reports", params={"rows": 0})
        server.wait_for_line("task export-0 failed")
        server.wait_for_line("ValueError: no rows to export")  # its traceback


def test_shutdown_waits_for_a_short_task_and_cancels_a_long_one():
    with LiveServer(APP) as server:
        httpx.post(f"{server.url}/reports", params={"rows": 100})  # 1 s: inside the grace
        httpx.post(f"{server.url}/reports", params={"rows": 6000})  # 60 s: past it
        started = time.monotonic()
        server.terminate(timeout=20)
        stopped = time.monotonic() - started
        output = server.output()
    assert "report of 100 rows exported" in output
    assert "task export-6000 cancelled" in output
    assert output.index("task export-6000 cancelled") < output.index(
        "Application shutdown complete"
    )
    assert stopped < 10, f"shutdown took {stopped:.1f}s"
    print(f"shutdown took {stopped:.2f}s (grace 2 s)")


async def test_a_task_nobody_refers_to_can_be_collected_mid_run(caplog):
    finished = []

    async def wait_for_a_reply() -> None:
        await asyncio.get_running_loop().create_future()  # only the task refers to it
        finished.append(True)

    asyncio.create_task(wait_for_a_reply())  # the mistake: no reference kept
    await asyncio.sleep(0)  # it starts, and waits
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    assert any(m.startswith("Task was destroyed but it is pending!") for m in caplog.messages)
    assert finished == []
