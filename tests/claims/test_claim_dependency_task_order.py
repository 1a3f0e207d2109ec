"""Dependencies and the endpoint receive the same `BackgroundTasks` object. Its tasks run
in the order they were added: sub-dependency, dependency, yield-dependencies before their
`yield`, endpoint. A task added after `yield` in a dependency of the default scope
("request") is silently dropped; in one declared `Depends(..., scope="function")` it runs,
after the endpoint's tasks, because that scope's exit code runs before the response is sent."""

import httpx

from guide.examples import dependency_adds_tasks as example

CLAIM = "dependency-task-order"


async def test_tasks_run_in_the_order_they_were_added(capsys):
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/signup")

    assert response.json() == {"queued": 5}  # the endpoint sees the dependencies' tasks
    assert capsys.readouterr().out.splitlines() == [
        "task from sub-dependency",
        "task from dependency",
        "task from yield-dependency, before yield",
        "task from function-scoped, before yield",
        "task from endpoint",
        "task from function-scoped, after yield",  # scope="function": in time
        # "yield-dependency, after yield" (scope "request"): dropped
    ]
