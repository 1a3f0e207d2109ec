"""A yield dependency's session is still open in the tasks with the default `Depends`
scope (it closes after them). The `Request`, its state and context variables set in
middleware can be read in a task. Still, open a new session in the task and pass it IDs:
the session's lifetime is an accident of the scope and has changed across releases."""

import httpx

from guide.examples import db_session_in_tasks, request_in_tasks

CLAIM = "request-and-session-in-tasks"


async def post(app, path: str, **kwargs) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post(path, **kwargs)).status_code == 200


async def test_with_the_default_scope_the_session_closes_after_the_tasks(capsys):
    await post(db_session_in_tasks.app, "/default-scope")
    assert capsys.readouterr().out.splitlines() == [
        "task runs, session closed: False",
        "session closed",
    ]


async def test_request_state_and_context_vars_reach_the_task(capsys):
    await post(request_in_tasks.app, "/orders", headers={"x-request-id": "r-42"})
    assert capsys.readouterr().out.splitlines() == [
        "task sees path=/orders user=alice request_id=r-42"
    ]
