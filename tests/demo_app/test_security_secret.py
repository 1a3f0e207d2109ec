"""Secrets and data at rest: with no SECRET_KEY the app signs with a key of its own, and
what it stores is readable by its own user only."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from demo_app import config
from demo_app.config import get_settings
from demo_app.main import create_app
from tests.demo_app.support import login, register, user_headers

# The development key this repository used to publish: anyone could sign tokens with it.
PUBLISHED_KEY = "development-only-secret-key-change-me-please"


@pytest.fixture
def var_dir(env, tmp_path, monkeypatch):
    """The app's data folder in tmp_path, and no SECRET_KEY in the environment."""
    folder = tmp_path / "var"
    monkeypatch.setattr(config, "VAR_DIR", folder)
    monkeypatch.delenv("SECRET_KEY")
    get_settings.cache_clear()
    return folder


async def started_client(run):
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await run(c)


async def test_a_token_signed_with_the_published_key_is_refused(var_dir):
    async def run(client):
        user = await register(client, "john")
        claims = {"sub": str(user["id"]), "exp": datetime.now(UTC) + timedelta(minutes=5)}
        forged = jwt.encode(claims | {"iat": datetime.now(UTC)}, PUBLISHED_KEY, "HS256")
        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status_code == 401
        assert (
            await client.get("/api/v1/users/me", headers=await login(client, "john"))
        ).is_success

    await started_client(run)
    assert get_settings().secret_key != PUBLISHED_KEY


async def test_the_generated_key_is_private_and_reused_after_a_restart(var_dir):
    async def first(client):
        await register(client, "john")
        return await login(client, "john")

    headers = await started_client(first)
    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) >= 32
    key = key_file.read_text()

    get_settings.cache_clear()  # a restart: settings read again

    async def second(client):
        return await client.get("/api/v1/users/me", headers=headers)

    assert (await started_client(second)).status_code == 200  # the token outlived the restart
    assert key_file.read_text() == key and get_settings().secret_key == key


async def test_the_database_and_uploads_are_private_whatever_the_umask(env, tmp_path, monkeypatch):
    var = tmp_path / "fresh" / "var"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{var / 'demo.db'}")
    monkeypatch.setenv("UPLOAD_DIR", str(var / "uploads"))
    get_settings.cache_clear()
    old_umask = os.umask(0o022)  # the usual one: files 0644, folders 0755
    try:
        app = create_app()
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://testserver"
            ) as client,
        ):
            headers = await user_headers(client, "john")
            files = {"file": ("notes.txt", b"one two", "text/plain")}
            assert (await client.post("/api/v1/uploads", files=files, headers=headers)).is_success
    finally:
        os.umask(old_umask)
    [upload] = list((var / "uploads").iterdir())
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [var, var / "uploads"]}
    modes |= {p.name: stat.S_IMODE(p.stat().st_mode) for p in [*var.glob("demo.db*"), upload]}
    assert modes == {name: 0o700 if name in ("var", "uploads") else 0o600 for name in modes}
    assert "demo.db" in modes and upload.name in modes
