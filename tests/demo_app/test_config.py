import stat

import pytest
from pydantic import ValidationError

from demo_app import config
from demo_app.config import Settings


@pytest.fixture(autouse=True)
def var_dir(tmp_path, monkeypatch):
    """Settings made here keep any generated key in tmp_path, not in the repository's var/."""
    monkeypatch.setattr(config, "VAR_DIR", tmp_path / "var")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return tmp_path / "var"


@pytest.mark.parametrize("key", [None, "x", "31 bytes, one short of enough.."])
def test_production_refuses_a_missing_or_short_secret(monkeypatch, key, var_dir):
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ValidationError, match="SECRET_KEY of at least 32 bytes"):
        Settings(environment="production", _env_file=None)
    assert not var_dir.exists()  # production never falls back to a generated key


def test_production_takes_a_long_enough_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    assert Settings(environment="production", _env_file=None).secret_key == "k" * 32


def test_without_a_secret_one_is_made_private_and_kept(var_dir):
    key = Settings(_env_file=None).secret_key
    key_file = var_dir / "secret_key"
    assert key_file.read_text() == key and len(key.encode()) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    assert Settings(_env_file=None).secret_key == key  # the next start reads it back
    assert [p.name for p in var_dir.iterdir()] == ["secret_key"]  # no temporary file left


def test_a_key_file_others_can_read_is_made_private(var_dir):
    key = Settings(_env_file=None).secret_key
    (var_dir / "secret_key").chmod(0o644)
    assert Settings(_env_file=None).secret_key == key
    assert stat.S_IMODE((var_dir / "secret_key").stat().st_mode) == 0o600


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.internal")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///elsewhere.db")
    settings = Settings(_env_file=None)
    assert (settings.smtp_host, settings.smtp_port) == ("mail.internal", 2525)
    assert settings.database_url.endswith("elsewhere.db")


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
        ("sqlite:////srv/app.db", "sqlite+aiosqlite:////srv/app.db"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite:///app.db"),
        ("postgresql://u:p@db/app", "postgresql+asyncpg://u:p@db/app"),
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql+asyncpg://u@db/app", "postgresql+asyncpg://u@db/app"),
    ],
)
def test_the_usual_database_urls_get_the_async_driver(monkeypatch, written, used):
    monkeypatch.setenv("DATABASE_URL", written)
    assert Settings(_env_file=None).database_url == used


@pytest.mark.parametrize(
    "url", ["mysql://u:hunter2@db/app", "postgresql+psycopg2://u:hunter2@db/app", "app.db", ""]
)
def test_other_database_urls_are_refused_with_what_to_write(monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    [error] = caught.value.errors()
    assert error["msg"] == (
        "Value error, DATABASE_URL must be sqlite:///PATH (e.g. sqlite:///var/demo_app.db) "
        "or postgresql://USER@HOST/DB, not "
        + (url.split("://")[0] + "://..." if "://" in url else "a value with no scheme")
    )
    assert "hunter2" not in str(caught.value)
