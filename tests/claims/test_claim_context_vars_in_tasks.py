"""A context variable set during the request reaches the task only if it was set in
`async def` code (or middleware): set in a `def` endpoint or a `def` dependency, it was
set in a worker thread's copy of the context, and the task sees the value from before."""

import asyncio

import httpx
import pytest

from guide.examples import context_vars_in_tasks as example

CLAIM = "context-vars-in-tasks"


@pytest.mark.parametrize(
    ("path", "seen"),
    [
        ("/async-endpoint", "acme"),
        ("/async-dependency", "acme"),
        ("/def-endpoint", "unset"),
        ("/def-dependency", "unset"),
    ],
)
async def test_a_task_sees_what_async_code_set_and_not_what_def_code_set(capsys, path, seen):
    async def post() -> None:
        transport = httpx.ASGITransport(app=example.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.post(path)).status_code == 200

    # in a task of its own: under ASGITransport the app runs in its caller's task, and an
    # async def endpoint's value would stay behind in the test's context
    await asyncio.create_task(post())
    assert capsys.readouterr().out.splitlines()[-1].endswith(f"the task sees tenant={seen}")
