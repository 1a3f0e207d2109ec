"""Returning a response with its own `background=BackgroundTask(...)` silently drops
every task added to the injected `BackgroundTasks`. Pass `background=background_tasks`
instead, and add the extra task to it."""

import httpx

from guide.examples import response_background_drops_tasks as example

CLAIM = "response-background-drops-tasks"


async def post(path: str) -> None:
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post(path)).status_code == 200


async def test_own_background_task_drops_the_injected_ones(capsys):
    await post("/wrong/ann")
    assert capsys.readouterr().out.splitlines() == ["ann: audit written"]


async def test_passing_background_tasks_runs_them_all(capsys):
    await post("/right/bob")
    assert capsys.readouterr().out.splitlines() == [
        "bob: welcome email sent",
        "bob: audit written",
    ]
