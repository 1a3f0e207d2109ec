"""`DATABASE_URL=sqlite:///app.db`, the form most people write, starts the app."""

from __future__ import annotations

import httpx

from demo_app.config import get_settings
from demo_app.main import create_app
from tests.demo_app.support import register


async def test_the_app_starts_and_serves_on_a_plain_sqlite_url(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./plain.db")
    get_settings.cache_clear()
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await register(client, "john")
    assert (tmp_path / "plain.db").stat().st_size > 0
