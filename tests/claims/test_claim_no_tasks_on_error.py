"""When the endpoint raises (an `HTTPException` for a 404, say), the tasks it had already
added never run: tasks are attached to a successful response only."""

import httpx

from guide.examples import no_tasks_on_error as example

CLAIM = "no-tasks-on-error"


async def put(path: str) -> int:
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return (await client.put(path)).status_code


async def test_tasks_run_after_a_successful_response(capsys):
    assert await put("/items/1") == 200
    assert capsys.readouterr().out.splitlines() == ["item 1: owner notified"]


async def test_tasks_are_dropped_when_the_endpoint_raises(capsys):
    # ASGITransport returns only after the tasks have run, so none means none.
    assert await put("/items/2") == 404
    assert capsys.readouterr().out == ""
