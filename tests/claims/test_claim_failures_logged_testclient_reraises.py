"""A failing task is not silent: uvicorn logs "Exception in ASGI application" with the
full traceback, although the client already got 200. In tests, httpx's ASGITransport
re-raises the task's exception unless it is built with `raise_app_exceptions=False`, and so
does TestClient unless `raise_server_exceptions=False`."""

import httpx
import pytest
from starlette.middleware.base import BaseHTTPMiddleware

from guide.examples import failing_task_stops_the_rest as example
from guide.live import LiveServer

pytestmark = pytest.mark.live

CLAIM = "failures-logged-testclient-reraises"


def test_uvicorn_logs_the_traceback_after_a_200():
    with LiveServer("guide.examples.failing_task_stops_the_rest:app") as server:
        response = httpx.post(f"{server.url}/orders/3")
        server.wait_for_line("RuntimeError: order 3: payment service unavailable")
        output = server.output()

    assert response.status_code == 200
    assert "Exception in ASGI application" in output
    assert "Traceback (most recent call last)" in output
    assert 'in charge_card\n    raise RuntimeError(f"order {order_id}' in output


async def post(app, **transport_options) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, **transport_options)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/orders/4")


async def test_asgi_transport_reraises_the_task_exception():
    with pytest.raises(RuntimeError, match="order 4: payment service unavailable"):
        await post(example.app)


async def test_asgi_transport_can_return_the_200_instead():
    response = await post(example.app, raise_app_exceptions=False)
    assert response.status_code == 200


async def test_a_base_http_middleware_changes_nothing():
    async def passthrough(request, call_next):
        return await call_next(request)

    with pytest.raises(RuntimeError, match="order 4: payment service unavailable"):
        await post(BaseHTTPMiddleware(example.app, dispatch=passthrough))


def test_starlette_testclient_reraises_too_unless_told_not_to():
    from fastapi.testclient import TestClient  # uses httpx2 (a test dependency) quietly

    with pytest.raises(RuntimeError, match="order 5: payment service unavailable"):
        TestClient(example.app).post("/orders/5")
    quiet = TestClient(example.app, raise_server_exceptions=False)
    assert quiet.post("/orders/6").status_code == 200
