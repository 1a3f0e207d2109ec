import re
from datetime import UTC, datetime, timedelta

import jwt

from demo_app.models import AuditLog, TaskRun, User
from guide.live import PASSWORD
from tests.demo_app.support import login, register, rows, user_headers


async def test_register_answers_201_then_sends_the_welcome_email(client, mail):
    user = await register(client, "john")
    assert user["username"] == "john" and "password" not in str(user)
    [welcome] = mail.to("john@example.com")
    assert welcome.subject == "Welcome to the guide demo: confirm your address"
    assert "/api/v1/auth/verify?token=" in welcome.text and "confirm it" in welcome.html
    [audit] = await rows(AuditLog, AuditLog.action == "REGISTER")
    assert (audit.username, audit.details) == ("john", "email: john@example.com")


async def test_register_records_each_task_as_a_succeeded_run(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": "ann", "email": "ann@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "req-register-1"},
    )
    request_id = response.headers["X-Request-ID"]  # the server's: the client's, made unique
    assert re.fullmatch(r"req-register-1-[0-9a-f]{8}", request_id)
    runs = await rows(TaskRun, TaskRun.request_id == request_id)
    assert sorted(r.name for r in runs) == ["log_user_action", "send_welcome_email"]
    assert {r.status for r in runs} == {"succeeded"}
    assert all("password" not in str(r.args) for r in runs)


async def test_duplicate_username_or_email_is_409_and_changes_nothing(client, mail):
    await register(client, "john")
    for payload, field in [
        ({"username": "john", "email": "other@example.com"}, "username"),
        ({"username": "other", "email": "john@example.com"}, "email"),
    ]:
        response = await client.post("/api/v1/auth/register", json=payload | {"password": PASSWORD})
        assert response.status_code == 409
        assert field in response.json()["detail"]
    assert len(await rows(User)) == 1
    assert len(mail.messages) == 1
    assert len(await rows(TaskRun, TaskRun.name == "send_welcome_email")) == 1


async def test_invalid_email_or_short_password_is_422(client, mail):
    bad = [
        {"username": "john", "email": "not-an-email", "password": PASSWORD},
        {"username": "john", "email": "john@example.com", "password": "short"},
        {"username": "../x", "email": "john@example.com", "password": PASSWORD},
    ]
    for payload in bad:
        response = await client.post("/api/v1/auth/register", json=payload)
        assert response.status_code == 422, payload
    assert await rows(User) == [] and mail.messages == []


async def test_login_returns_a_bearer_token_and_audits(client):
    headers = await user_headers(client, "john")
    me = await client.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == "john"
    assert len(await rows(AuditLog, AuditLog.action == "LOGIN")) == 1


async def test_wrong_credentials_are_401(client):
    await register(client, "john")
    for username, password in [("john", "wrong password"), ("nobody", PASSWORD)]:
        response = await client.post(
            "/api/v1/auth/login", data={"username": username, "password": password}
        )
        assert response.status_code == 401
        assert response.json()["detail"] == "Wrong username or password"
    assert await rows(AuditLog, AuditLog.action == "LOGIN") == []


OTHER_KEY = "a different key that is long enough to be valid"


async def test_bad_or_expired_token_is_401(client, env):
    await register(client, "john")
    expired = jwt.encode(
        {"sub": "1", "exp": datetime.now(UTC) - timedelta(minutes=1)},
        env["SECRET_KEY"],
        algorithm="HS256",
    )
    forged = jwt.encode({"sub": "1"}, OTHER_KEY, algorithm="HS256")
    for token in ["garbage", expired, forged]:
        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await client.get("/api/v1/users/me")).status_code == 401


async def test_newsletter_subscription_can_be_switched(client):
    headers = await user_headers(client, "john")
    for wanted in (True, False):
        response = await client.put(
            "/api/v1/users/me/newsletter", json={"subscribed": wanted}, headers=headers
        )
        assert response.json()["is_subscribed"] is wanted
    assert (await login(client, "john")) and not (await rows(User))[0].is_subscribed


async def test_an_address_is_one_account_however_it_is_capitalised(client):
    await register(client, "john")
    payload = {"username": "other", "email": "JOHN@Example.COM", "password": PASSWORD}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 409


async def test_concurrent_registrations_of_one_name_give_one_201_and_409s(client, mail):
    import asyncio

    payload = {"username": "racer", "email": "racer@example.com", "password": PASSWORD}
    responses = await asyncio.gather(
        *(client.post("/api/v1/auth/register", json=payload) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert len(await rows(User)) == 1
    assert len(mail.to("racer@example.com")) == 1
