"""A fresh demo app per test: its own database, uploads folder and SMTP sink.

Every test runs twice, on SQLite and on PostgreSQL (`database_url`; the server: tests/conftest.py).

The test client is httpx over ASGI: like every test client it returns only after the
response's background tasks have run (and re-raises their errors), which is exactly what
these tests want. `test_live.py` shows the real-server behaviour.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest

from demo_app import db
from demo_app.config import get_settings
from demo_app.main import create_app
from demo_app.platform import migrate
from demo_app.platform.mailbox import MailSink
from guide.live import FAST_HASHING, demo_env
from tests.support import DATABASES, new_postgres_database

QUIET_SCHEDULER = {"SCHEDULER_ENABLED": "false"}
# The test client reads a response to its end: an event stream is one poll, then `bye`.
SHORT_STREAMS = {"EVENT_STREAM_SECONDS": "0"}


@pytest.fixture
def mail():
    with MailSink() as sink:
        yield sink


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> str:
    """An empty database of this test's own."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    return new_postgres_database(request.getfixturevalue("postgres"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to the head revision, per test process."""
    path = tmp_path_factory.mktemp("migrated") / "demo.db"

    async def upgrade() -> None:
        engine = db.new_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()  # the last connection checkpoints the WAL into the file

    asyncio.run(upgrade())
    return path


@pytest.fixture
def app_database_url(request, database_url: str, tmp_path: Path) -> str:
    """The database the test's app starts on. On SQLite, a copy of `migrated_sqlite`: a
    migration costs about 0.1 s, a copy a millisecond, and the app's start-up still checks
    the revision. On PostgreSQL, the empty database, migrated at start-up."""
    if database_url.startswith("sqlite"):
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "demo.db")
    return database_url


@pytest.fixture
def env(tmp_path, mail, monkeypatch, app_database_url):
    values = demo_env(tmp_path, mail.port) | FAST_HASHING | QUIET_SCHEDULER | SHORT_STREAMS
    values["DATABASE_URL"] = app_database_url
    values["ENVIRONMENT"] = "test"
    values["ALLOWED_HOSTS"] = "testserver,localhost"  # the test clients' base URLs
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


@pytest.fixture
async def app(env):
    app = create_app()
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
