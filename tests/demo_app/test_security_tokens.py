"""Tokens die with their user (ids are reused), carry iat and jti, and need exp; usernames
are case-insensitive ("Alice" and "alice" are one account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from demo_app import db
from demo_app.models import User
from guide.live import PASSWORD
from tests.demo_app.support import login, register, rows, user_headers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def test_a_token_carries_iat_jti_and_exp(client, env):
    first = jwt.decode(token_of(await user_headers(client, "john")), env["SECRET_KEY"], ["HS256"])
    second = jwt.decode(token_of(await login(client, "john")), env["SECRET_KEY"], ["HS256"])
    assert {"sub", "acct", "iat", "jti", "exp"} <= first.keys()
    assert first["exp"] > first["iat"] and first["jti"] != second["jti"]


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "acct"])
async def test_a_token_missing_a_required_claim_is_refused(client, env, missing):
    headers = await user_headers(client, "john")
    claims = jwt.decode(token_of(headers), env["SECRET_KEY"], ["HS256"])
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 200
    del claims[missing]  # re-signed with the real key: only the claim is missing
    token = jwt.encode(claims, env["SECRET_KEY"], "HS256")
    response = await client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("sub", ["abc", "-1", 7, "1" * 19, "1" * 5000, "١"])
async def test_a_malformed_subject_is_401_not_500(client, env, sub):
    await register(client, "john")
    now = datetime.now(UTC)
    claims = {"sub": sub, "acct": "x", "iat": now, "exp": now + timedelta(minutes=1)}
    token = jwt.encode(claims, env["SECRET_KEY"], "HS256")
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 401


async def test_a_token_dies_with_its_user_even_when_the_id_is_reused(client, database_url):
    old = await user_headers(client, "john")
    [john] = await rows(User)
    async with db.session() as session:
        await session.delete(await session.get(User, john.id))
        await session.commit()
    assert (await client.get("/api/v1/users/me", headers=old)).status_code == 401

    new = await user_headers(client, "mallory")
    [mallory] = await rows(User)
    if database_url.startswith("sqlite"):
        assert mallory.id == john.id  # SQLite hands the id out again
    else:
        assert mallory.id > john.id  # a PostgreSQL sequence never does
    assert (await client.get("/api/v1/users/me", headers=old)).status_code == 401
    me = await client.get("/api/v1/users/me", headers=new)
    assert me.status_code == 200 and me.json()["username"] == "mallory"


async def test_usernames_are_one_account_however_they_are_capitalised(client):
    await register(client, "Alice")
    payload = {"username": "alice", "email": "other@example.com", "password": PASSWORD}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 409 and "username" in response.json()["detail"]
    me = await client.get("/api/v1/users/me", headers=await login(client, "ALICE"))
    assert me.json()["username"] == "Alice"  # shown as it was written
    assert len(await rows(User)) == 1


async def test_the_database_refuses_a_second_capitalisation(client):
    from sqlalchemy.exc import IntegrityError

    await register(client, "Alice")
    async with db.session() as session:
        session.add(User(username="aLiCe", email="x@example.com", hashed_password="x"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_a_failed_login_does_not_say_whether_the_user_exists(client):
    await register(client, "john")
    answers = []
    for username in ["john", "nobody"]:
        response = await client.post(
            "/api/v1/auth/login", data={"username": username, "password": "wrong password"}
        )
        answers.append(
            (response.status_code, response.json(), response.headers.get("www-authenticate"))
        )
    assert answers[0] == answers[1] == (401, {"detail": "Wrong username or password"}, "Bearer")


async def test_changing_the_password_revokes_every_token_issued_before(client):
    await register(client, "john")
    old = await login(client, "john")
    other_device = await login(client, "john")
    wrong = {"current_password": "not it", "new_password": "a new passphrase"}
    me = "/api/v1/users/me"
    assert (await client.put(f"{me}/password", json=wrong, headers=old)).status_code == 403
    assert (await client.get(me, headers=other_device)).status_code == 200  # nothing changed
    change = {"current_password": PASSWORD, "new_password": "a new passphrase"}
    assert (await client.put(f"{me}/password", json=change, headers=old)).status_code == 204
    for stolen in (old, other_device):
        assert (await client.get(me, headers=stolen)).status_code == 401
    form = {"username": "john", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", data=form)).status_code == 401
    form["password"] = "a new passphrase"
    fresh = (await client.post("/api/v1/auth/login", data=form)).json()["access_token"]
    assert (await client.get(me, headers={"Authorization": f"Bearer {fresh}"})).is_success
