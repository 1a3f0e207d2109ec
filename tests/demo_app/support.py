"""Helpers the demo-app tests share (fixtures live in conftest.py): sign up, log in, read rows."""

from __future__ import annotations

from sqlmodel import select

from demo_app import db
from demo_app.platform.admin import set_admin
from guide.live.client import login_form, new_user


async def register(client, username: str, *, subscribe: bool = False) -> dict:
    response = await client.post(
        "/api/v1/auth/register", json=new_user(username, subscribe=subscribe)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def login(client, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", data=login_form(username))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def user_headers(client, username: str, **kwargs) -> dict[str, str]:
    await register(client, username, **kwargs)
    return await login(client, username)


async def admin_headers(client, username: str = "admin") -> dict[str, str]:
    await register(client, username)
    assert await set_admin(username)
    return await login(client, username)


async def rows(model, *where):
    async with db.session() as session:
        return list((await session.exec(select(model).where(*where))).all())
