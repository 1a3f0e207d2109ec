"""A default of `BackgroundTasks()` on the parameter does nothing: FastAPI injects a
fresh `BackgroundTasks` into every request. The default object is used, and shared, only
when the function is called directly. Write `background_tasks: BackgroundTasks`."""

import inspect

import httpx

from guide.examples import default_instance_ignored as example

CLAIM = "default-instance-ignored"

DEFAULT = inspect.signature(example.create_user).parameters["background_tasks"].default


async def test_each_request_gets_a_fresh_object(capsys):
    before = len(DEFAULT.tasks)
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = await client.post("/users/ann")
        second = await client.post("/users/bob")

    assert first.json()["queued_tasks"] == second.json()["queued_tasks"] == 1
    assert len(DEFAULT.tasks) == before  # the default object was never touched
    assert capsys.readouterr().out.splitlines() == [
        "welcome email to ann",
        "welcome email to bob",
    ]


async def test_a_direct_call_uses_the_shared_default():
    before = len(DEFAULT.tasks)
    first = await example.create_user("cy")
    second = await example.create_user("di")

    assert second["queued_tasks"] == first["queued_tasks"] + 1 == before + 2
