"""Dependencies and the endpoint receive the same `BackgroundTasks` object. Its tasks run
in the order they were added: sub-dependency, dependency, yield-dependency before its
`yield`, endpoint. A task added after `yield` is silently dropped."""

import httpx

from guide.examples import dependency_adds_tasks as example

CLAIM = "dependency-task-order"


async def test_tasks_run_in_the_order_they_were_added(capsys):
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/signup")

    assert response.json() == {"queued": 4}  # the endpoint sees the dependencies' tasks
    assert capsys.readouterr().out.splitlines() == [
        "task from sub-dependency",
        "task from dependency",
        "task from yield-dependency, before yield",
        "task from endpoint",
    ]
