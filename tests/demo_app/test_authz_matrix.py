"""Every /api/v1 route x every kind of caller, with the status each must get.

The routes are read from the app itself: a route added without a row here fails
`test_every_route_has_a_row`. Owner-only resources (items, uploads) answer 404 to anyone
else, admins included: another user's item does not exist for them.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import jwt
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import delete, update

from demo_app import db
from demo_app.main import create_app
from demo_app.models import TaskRun, User
from demo_app.platform.security import ALGORITHM, account_stamp, create_link_token
from guide.live import PASSWORD
from tests.demo_app.support import admin_headers, login, register, rows, user_headers

CALLERS = ("anonymous", "owner", "other", "admin", "tampered", "expired", "deleted")
BAD_TOKENS = {"anonymous": 401, "tampered": 401, "expired": 401, "deleted": 401}


def public(ok: int) -> dict[str, int]:
    """No token needed, and a bad one is not looked at."""
    return dict.fromkeys(CALLERS, ok)


def any_user(ok: int) -> dict[str, int]:
    return BAD_TOKENS | {"owner": ok, "other": ok, "admin": ok}


def owner_only(ok: int) -> dict[str, int]:
    return BAD_TOKENS | {"owner": ok, "other": 404, "admin": 404}


def admins_only(ok: int) -> dict[str, int]:
    return BAD_TOKENS | {"owner": 403, "other": 403, "admin": ok}


@dataclass
class World:
    """The users and resources every request is made against."""

    client: Any
    headers: dict[str, dict[str, str]]
    item_id: int
    upload_id: str
    request_id: str
    serial: count

    async def new_item(self) -> int:
        response = await self.client.post(
            "/api/v1/items", json={"title": f"t{next(self.serial)}"}, headers=self.headers["owner"]
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def dead_run(self) -> str:
        [run, *_] = await rows(TaskRun, TaskRun.name == "log_user_action")
        async with db.session() as session:
            await session.exec(update(TaskRun).where(TaskRun.id == run.id).values(status="dead"))
            await session.commit()
        return run.id


Request = tuple[str, str, dict[str, Any]]
Build = Callable[[World], Awaitable[Request]]


async def _register(w: World) -> Request:
    n = next(w.serial)
    payload = {"username": f"new{n}", "email": f"new{n}@example.com", "password": PASSWORD}
    return "POST", "/api/v1/auth/register", {"json": payload}


async def _verify(w: World) -> Request:
    """A fresh sign-up's confirmation link: each works once."""
    n = next(w.serial)
    name = f"verify{n}"
    token = create_link_token("verify", f"{name}@example.com", username=name)
    payload = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    registered = await w.client.post("/api/v1/auth/register", json=payload)
    assert registered.status_code == 201, registered.text
    return "GET", "/api/v1/auth/verify", {"params": {"token": token}}


def _unsubscribe(method: str) -> Build:
    async def build(w: World) -> Request:
        token = create_link_token("unsubscribe", "owner@example.com")
        return method, "/api/v1/newsletter/unsubscribe", {"params": {"token": token}}

    return build


async def _login(w: World) -> Request:
    return "POST", "/api/v1/auth/login", {"data": {"username": "owner", "password": PASSWORD}}


async def _delete_item(w: World) -> Request:
    return "DELETE", f"/api/v1/items/{await w.new_item()}", {}


async def _retry(w: World) -> Request:
    return "POST", f"/api/v1/tasks/{await w.dead_run()}/retry", {}


def fixed(method: str, path: str, **kwargs: Any) -> Build:
    async def build(w: World) -> Request:
        values = {"item_id": w.item_id, "upload_id": w.upload_id, "request_id": w.request_id}
        return method, path.format(**values), kwargs

    return build


FILE = {"files": {"file": ("notes.txt", b"one two\nthree", "text/plain")}}
# (method, route path) -> (how to make the request, the status each caller gets)
MATRIX: dict[tuple[str, str], tuple[Build, dict[str, int]]] = {
    ("POST", "/api/v1/auth/register"): (_register, public(201)),
    ("POST", "/api/v1/auth/login"): (_login, public(200)),
    # signed links: the token in the URL is the proof, a bearer token is not looked at
    ("GET", "/api/v1/auth/verify"): (_verify, public(200)),
    ("GET", "/api/v1/newsletter/unsubscribe"): (_unsubscribe("GET"), public(200)),
    ("POST", "/api/v1/newsletter/unsubscribe"): (_unsubscribe("POST"), public(200)),
    ("GET", "/api/v1/users/me"): (fixed("GET", "/api/v1/users/me"), any_user(200)),
    ("PUT", "/api/v1/users/me/newsletter"): (
        fixed("PUT", "/api/v1/users/me/newsletter", json={"subscribed": False}),
        any_user(200),
    ),
    # a wrong current password: a right one would revoke the caller's token for the next rows
    ("PUT", "/api/v1/users/me/password"): (
        fixed(
            "PUT",
            "/api/v1/users/me/password",
            json={"current_password": "wrong", "new_password": "whatever-123"},
        ),
        any_user(403),
    ),
    ("POST", "/api/v1/items"): (fixed("POST", "/api/v1/items", json={"title": "x"}), any_user(201)),
    ("GET", "/api/v1/items"): (fixed("GET", "/api/v1/items"), any_user(200)),
    ("GET", "/api/v1/items/{item_id}"): (
        fixed("GET", "/api/v1/items/{item_id}"),
        owner_only(200),
    ),
    ("PUT", "/api/v1/items/{item_id}"): (
        fixed("PUT", "/api/v1/items/{item_id}", json={"description": "d"}),
        owner_only(200),
    ),
    ("DELETE", "/api/v1/items/{item_id}"): (_delete_item, owner_only(204)),
    ("POST", "/api/v1/send-newsletter"): (
        fixed("POST", "/api/v1/send-newsletter", json={"subject": "s", "body": "b"}),
        admins_only(202),
    ),
    ("GET", "/api/v1/tasks"): (fixed("GET", "/api/v1/tasks"), admins_only(200)),
    ("GET", "/api/v1/tasks/stats"): (fixed("GET", "/api/v1/tasks/stats"), admins_only(200)),
    # the event stream ends at once (the env's EVENT_STREAM_SECONDS): a 200 is its whole answer
    ("GET", "/api/v1/events"): (fixed("GET", "/api/v1/events"), admins_only(200)),
    ("POST", "/api/v1/tasks/{run_id}/retry"): (_retry, admins_only(202)),
    ("GET", "/api/v1/requests/{request_id}/timeline"): (
        fixed("GET", "/api/v1/requests/{request_id}/timeline"),
        admins_only(200),
    ),
    ("POST", "/api/v1/uploads"): (fixed("POST", "/api/v1/uploads", **FILE), any_user(202)),
    ("GET", "/api/v1/uploads/{upload_id}"): (
        fixed("GET", "/api/v1/uploads/{upload_id}"),
        owner_only(200),
    ),
}


def api_routes(app) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if (route.path or "").startswith("/api/v1"):
            found.update((method, route.path) for method in route.methods or ())
    return found


def test_every_route_has_a_row(env):
    assert api_routes(create_app()) == set(MATRIX)


def tampered(token: str) -> str:
    """The same header and claims, another signature (one that decodes, one byte off)."""
    header, claims, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    return ".".join([header, claims, base64.urlsafe_b64encode(raw).rstrip(b"=").decode()])


async def bearer(user: User, secret: str, *, expired: bool) -> dict[str, str]:
    now = datetime.now(UTC) - timedelta(hours=2 if expired else 0)
    claims = {
        "sub": str(user.id),
        "acct": account_stamp(user),
        "iat": now,
        "exp": now + timedelta(minutes=30),
        "jti": "t",
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, secret, algorithm=ALGORITHM)}"}


@pytest.mark.slow  # every route times every caller
async def test_every_route_answers_each_caller_as_it_should(client, env):
    registered = await client.post(
        "/api/v1/auth/register",
        json={"username": "owner", "email": "owner@example.com", "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    headers = {"anonymous": {}, "owner": await login(client, "owner")}
    await register(client, "ghost")  # deleted below, once its token is made
    headers["other"] = await user_headers(client, "other")
    headers["admin"] = await admin_headers(client)
    token = headers["owner"]["Authorization"].removeprefix("Bearer ")
    headers["tampered"] = {"Authorization": f"Bearer {tampered(token)}"}
    [owner] = await rows(User, User.username == "owner")
    headers["expired"] = await bearer(owner, env["SECRET_KEY"], expired=True)
    [gone] = await rows(User, User.username == "ghost")
    headers["deleted"] = await bearer(gone, env["SECRET_KEY"], expired=False)
    async with db.session() as session:
        await session.exec(delete(User).where(User.id == gone.id))
        await session.commit()

    world = World(client, headers, 0, "", registered.headers["X-Request-ID"], count())
    world.item_id = await world.new_item()
    uploaded = await client.post("/api/v1/uploads", headers=headers["owner"], **FILE)
    world.upload_id = uploaded.json()["id"]

    got: dict[tuple[str, str], dict[str, int]] = {}
    for key, (build, _) in MATRIX.items():
        for caller in CALLERS:
            method, url, kwargs = await build(world)
            response = await client.request(method, url, headers=headers[caller], **kwargs)
            got.setdefault(key, {})[caller] = response.status_code
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"] == "Bearer"
    assert got == {key: expected for key, (_, expected) in MATRIX.items()}


async def test_a_bad_token_on_a_public_route_is_not_an_error(client):
    await register(client, "someone")
    response = await client.post(
        "/api/v1/auth/login",
        data={"username": "someone", "password": PASSWORD},
        headers={"Authorization": "Bearer garbage"},
    )
    assert response.status_code == 200
