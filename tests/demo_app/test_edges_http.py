"""What a crowd or a hostile client meets in plain HTTP.

- ten concurrent PUTs on one item bumped its version to 2, not 11, so nine "updated"
  emails shared one idempotency key and were skipped;
- the Host header came back in `status_url`;
- no security headers;
- /docs loaded Swagger UI from a CDN (unpinned, no integrity, blank offline).
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from demo_app.config import get_settings
from demo_app.main import create_app
from demo_app.models import Item
from guide.live import FAST_HASHING, PASSWORD, demo_stack
from tests.demo_app.support import rows, user_headers


async def test_ten_concurrent_puts_bump_the_version_ten_times(client, mail):
    headers = await user_headers(client, "john")
    item = (await client.post("/api/v1/items", json={"title": "t"}, headers=headers)).json()
    url = f"/api/v1/items/{item['id']}"
    responses = await asyncio.gather(
        *(client.put(url, json={"description": f"edit {n}"}, headers=headers) for n in range(10))
    )
    assert [r.status_code for r in responses] == [200] * 10
    [stored] = await rows(Item)
    assert stored.version == 11
    updated = [m for m in mail.messages if m.subject == "Your item was updated"]
    assert len(updated) == 10  # one per version: none skipped as a duplicate


async def test_status_url_does_not_reflect_the_host_header(env, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "*")  # behind a proxy that checks the name itself
    get_settings.cache_clear()
    app = create_app()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        headers = await user_headers(client, "john")
        files = {"file": ("a.txt", b"hello", "text/plain")}
        response = await client.post(
            "/api/v1/uploads", files=files, headers=headers | {"Host": "evil.example"}
        )
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    assert "evil" not in status_url
    assert status_url == f"/api/v1/uploads/{response.json()['id']}"


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/health"), ("GET", "/api/v1/users/me"), ("GET", "/nowhere"), ("GET", "/docs")],
)
async def test_every_response_carries_the_security_headers(client, method, path):
    response = await client.request(method, path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    if path != "/docs":
        assert csp.startswith("default-src 'none';") and "script-src" not in csp


async def test_docs_load_nothing_from_another_origin(client):
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
        assert urls, html
        assert all(u.startswith("/") for u in urls), urls  # this app, no CDN
        for url in urls:
            if url.endswith((".js", ".css", ".png")):
                asset = await client.get(url)
                assert asset.status_code == 200 and len(asset.content) > 100, url
    assert "cdn" not in (await client.get("/docs")).text


@pytest.mark.live
def test_on_a_real_server_concurrent_puts_each_get_their_own_version():
    """Ten PUTs at once over ten connections on uvicorn: ten versions, ten emails."""
    with demo_stack(FAST_HASHING) as stack:
        base = f"{stack.url}/api/v1"
        user = {"username": "ann", "email": "ann@example.com", "password": "correct horse"}
        assert httpx.post(f"{base}/auth/register", json=user).status_code == 201
        token = httpx.post(f"{base}/auth/login", data=user).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        item = httpx.post(f"{base}/items", json={"title": "t"}, headers=auth).json()

        async def crowd() -> list[int]:
            async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as c:
                puts = [
                    c.put(f"{base}/items/{item['id']}", json={"description": str(n)}, headers=auth)
                    for n in range(10)
                ]
                return [r.status_code for r in await asyncio.gather(*puts)]

        assert asyncio.run(crowd()) == [200] * 10
        stack.mail.wait_for(1 + 1 + 10, timeout=20)  # welcome, created, ten updates
        updated = [m for m in stack.mail.messages if m.subject == "Your item was updated"]
        print(f"{len(updated)} 'updated' emails for 10 concurrent PUTs")
        assert len(updated) == 10


async def test_concurrent_completions_announce_one_completion(client, mail):
    """Each PUT decides "was it completed?" from the row it holds, not a stale read."""
    headers = await user_headers(client, "john")
    item = (await client.post("/api/v1/items", json={"title": "t"}, headers=headers)).json()
    url = f"/api/v1/items/{item['id']}"
    responses = await asyncio.gather(
        *(client.put(url, json={"is_completed": True}, headers=headers) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [200] * 5
    subjects = [m.subject for m in mail.messages]
    assert subjects.count("Your item was completed") == 1
    assert subjects.count("Your item was updated") == 4
    assert subjects.count("Achievement unlocked: First step") == 1


async def test_concurrent_deletes_delete_once(client, mail):
    headers = await user_headers(client, "john")
    item = (await client.post("/api/v1/items", json={"title": "t"}, headers=headers)).json()
    url = f"/api/v1/items/{item['id']}"
    responses = await asyncio.gather(*(client.delete(url, headers=headers) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [204, 404, 404, 404, 404]
    assert [m.subject for m in mail.messages].count("Your item was deleted") == 1


async def test_a_host_the_app_does_not_answer_to_is_400(client):
    # A forged Host came back in the trailing-slash redirect (http://evil.example/...), and
    # a DNS-rebinding page could reach the app on 127.0.0.1 under its own name.
    for path in ("/api/v1/items/", "/health", "/docs"):
        response = await client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, (path, response.status_code)
        assert "evil.example" not in response.headers.get("location", "")
    redirect = await client.get("/api/v1/items/")  # an allowed host still redirects
    assert redirect.status_code in (307, 401) and "evil" not in redirect.headers.get("location", "")


async def test_the_dashboards_register_button_makes_throwaway_users(client):
    # Not subscribed accounts whose password anyone who reads this repository knows.
    script = (await client.get("/dashboard/dashboard.js")).text
    assert "crypto.getRandomValues" in script and "subscribe_newsletter: false" in script
    assert PASSWORD not in script
