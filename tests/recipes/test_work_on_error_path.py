from guide.recipes import work_on_error_path as recipe
from tests.recipes.conftest import asgi


async def test_the_handler_task_runs_after_the_402_and_the_endpoint_task_never(monkeypatch):
    monkeypatch.setattr(recipe, "log", [])

    async def app(scope, receive, send):  # notes when the last body message goes out
        async def noting_send(message):
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                recipe.log.append("response sent")

        await recipe.app(scope, receive, noting_send)

    async with asgi(app) as client:
        response = await client.post("/orders/5")

    assert response.status_code == 402
    assert response.json() == {"detail": "payment failed"}
    assert recipe.log == ["response sent", "order 5: payment failed, customer told"]
