"""httpx's `ASGITransport` runs the app in the test's own task, in the test's context: a
context variable that an `async def` endpoint sets is still set in the test afterwards,
and every later request of that test sees it. On a real server each request starts from a
fresh context, and a later request sees the default."""

import httpx
import pytest

from guide.examples import context_vars_in_tasks as example
from guide.live import LiveServer

CLAIM = "asgi-transport-shares-context"


async def test_under_asgi_transport_an_endpoints_context_var_leaks_into_the_test():
    assert example.tenant.get() == "unset"
    transport = httpx.ASGITransport(app=example.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/async-endpoint")).status_code == 200
        assert example.tenant.get() == "acme"  # set by the endpoint, seen by the test
        assert (await client.get("/tenant")).json() == {"tenant": "acme"}  # and the next one


@pytest.mark.live
def test_on_a_real_server_each_request_starts_from_a_fresh_context():
    with LiveServer("guide.examples.context_vars_in_tasks:app") as server:
        with httpx.Client(base_url=server.url) as client:  # one connection for both
            assert client.post("/async-endpoint").status_code == 200
            assert client.get("/tenant").json() == {"tenant": "unset"}
