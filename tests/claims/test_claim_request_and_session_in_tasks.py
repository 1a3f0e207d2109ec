"""A yield dependency's session is still open in the tasks with the default `Depends`
scope, and already closed with `Depends(..., scope="function")`. The `Request`, its
state and context variables set during the request can be read in a task. Still, open a
new session in the task and pass it IDs: the session's lifetime depends on the scope."""

import httpx
import pytest

from guide.examples import db_session_in_tasks, request_in_tasks

CLAIM = "request-and-session-in-tasks"


async def post(app, path: str, **kwargs) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post(path, **kwargs)).status_code == 200


@pytest.mark.parametrize(
    ("path", "order"),
    [
        ("/default-scope", ["task runs, session closed: False", "session closed"]),
        ("/function-scope", ["session closed", "task runs, session closed: True"]),
    ],
)
async def test_session_lifetime_follows_the_dependency_scope(capsys, path, order):
    await post(db_session_in_tasks.app, path)
    assert capsys.readouterr().out.splitlines() == order


async def test_request_state_and_context_vars_reach_the_task(capsys):
    await post(request_in_tasks.app, "/orders", headers={"x-request-id": "r-42"})
    assert capsys.readouterr().out.splitlines() == [
        "task sees path=/orders user=alice request_id=r-42"
    ]
