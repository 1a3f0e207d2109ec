"""Dependencies and the endpoint receive the same `BackgroundTasks` object, and its tasks
run in the order they were added, which is the order FastAPI resolves dependencies in: the
decorator's `dependencies=[...]`, then the parameters, each in declaration order, a
sub-dependency before its parent, the endpoint last. Not an order by kind: a yield
dependency declared first adds its task first; declared last, last."""

import httpx
import pytest

from guide.examples import dependency_adds_tasks as example

CLAIM = "dependency-task-order"


@pytest.mark.parametrize(
    ("path", "order"),
    [
        ("/signup", ["yield-dependency", "sub-dependency", "dependency", "endpoint"]),
        ("/signup-swapped", ["sub-dependency", "dependency", "yield-dependency", "endpoint"]),
    ],
    ids=["yield-dependency-declared-first", "yield-dependency-declared-last"],
)
async def test_tasks_run_in_the_order_the_dependencies_were_resolved(capsys, path, order):
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(path)

    assert response.json() == {"queued": 4}  # the endpoint sees the dependencies' tasks
    assert capsys.readouterr().out.splitlines() == [f"task from {step}" for step in order]
