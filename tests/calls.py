"""Plain HTTP calls to a live demo app, for tests that drive it without a DemoClient: the
payloads are guide.live.client's (`new_user`, `login_form`), their only copies."""

from __future__ import annotations

import httpx

from guide.live.client import login_form, new_user


def register(url: str, username: str, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/register", json=new_user(username), headers=headers, timeout=10
    )


def admin_headers(stack, username: str = "admin") -> dict[str, str]:
    """Register `username`, make it an admin (`stack.make_admin`), and its bearer header."""
    register(stack.url, username)
    stack.make_admin(username)
    token = httpx.post(f"{stack.url}/api/v1/auth/login", data=login_form(username), timeout=10)
    return {"Authorization": f"Bearer {token.json()['access_token']}"}
