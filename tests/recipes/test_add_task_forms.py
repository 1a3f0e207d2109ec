import asyncio
import gc
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from guide.recipes import add_task_forms as recipe
from tests.recipes.conftest import asgi


@pytest.fixture(autouse=True)
def outbox(monkeypatch):
    monkeypatch.setattr(recipe, "outbox", [])


@asynccontextmanager
async def never_awaited() -> AsyncIterator[list[str]]:
    """The "never awaited" warnings of the block, once its coroutines are freed."""
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
        await asyncio.sleep(0.1)  # the loop's last callbacks still hold the task's result
        gc.collect()
    found += [str(w.message) for w in caught if "was never awaited" in str(w.message)]


async def test_the_function_and_a_partial_are_awaited():
    async with never_awaited() as warned:
        async with asgi(recipe.app) as client:
            assert (await client.post("/right/ann@example.com")).status_code == 200
    assert recipe.outbox == ["Welcome -> ann@example.com", "Tips -> ann@example.com"]
    assert warned == []


async def test_a_call_is_a_200_whose_task_raises_type_error():
    async with never_awaited() as warned:
        async with asgi(recipe.app, raise_app_exceptions=False) as client:
            response = await client.post("/called/bob@example.com")
        with pytest.raises(TypeError, match="must be callable"):
            async with asgi(recipe.app) as client:
                await client.post("/called/bob@example.com")
    assert response.status_code == 200
    assert recipe.outbox == []
    assert warned == ["coroutine 'send_email' was never awaited"] * 2


async def test_a_lambda_returning_the_coroutine_sends_nothing():
    async with never_awaited() as warned:
        async with asgi(recipe.app) as client:
            response = await client.post("/lambda/cy@example.com")
    assert response.status_code == 200
    assert recipe.outbox == []
    assert warned == ["coroutine 'send_email' was never awaited"]
