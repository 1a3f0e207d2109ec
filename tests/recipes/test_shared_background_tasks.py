import pytest

from guide.recipes import shared_background_tasks as recipe
from tests.recipes.conftest import asgi


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(recipe, "sent", [])
    monkeypatch.setattr(recipe.shared_tasks, "tasks", [])


async def test_the_shared_object_runs_earlier_requests_tasks_again():
    async with asgi(recipe.app) as client:
        for order_id in (1, 2, 3):
            await client.post(f"/wrong/orders/{order_id}")
    assert recipe.sent == [
        "receipt 1",
        "receipt 1", "receipt 2",
        "receipt 1", "receipt 2", "receipt 3",
    ]  # fmt: skip


async def test_the_injected_object_runs_each_task_once():
    async with asgi(recipe.app) as client:
        for order_id in (1, 2, 3):
            await client.post(f"/orders/{order_id}")
    assert recipe.sent == ["receipt 1", "receipt 2", "receipt 3"]
