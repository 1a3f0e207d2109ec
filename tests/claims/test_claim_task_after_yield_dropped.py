"""A task added after `yield` in a dependency of the default scope ("request") is silently
dropped: that code runs once the response has been sent. (On FastAPI 0.106 to 0.117 it
ran before the response, and the task ran; before 0.106 and since 0.118 it is dropped.)"""

import httpx

from guide.examples import task_after_yield

CLAIM = "task-after-yield-dropped"


async def post(app, path: str = "/signup") -> None:
    """One POST; the transport returns once its tasks have run."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post(path)).json() == {"queued": 2}


async def test_a_task_added_after_a_default_scoped_yield_never_runs(capsys):
    await post(task_after_yield.app)
    assert capsys.readouterr().out.splitlines() == [
        "task from before yield",
        "task from endpoint",
    ]
