"""The recipes' tests: each module runs one file of guide/recipes and asserts what its
docstring says was measured. `asgi(app)` is an httpx client on the app itself (it returns
once the response's tasks have run); behaviour that needs a real server runs on
`guide.live.LiveServer`."""

from __future__ import annotations

import httpx


def asgi(app, **transport_options) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, **transport_options)
    return httpx.AsyncClient(transport=transport, base_url="http://test")
