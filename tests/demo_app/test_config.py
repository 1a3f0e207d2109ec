import logging

import pytest
from pydantic import ValidationError

from demo_app.config import Settings


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings(environment="production", _env_file=None)


def test_development_warns_about_the_default_secret(monkeypatch, caplog):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="demo_app"):
        Settings(environment="development", _env_file=None)
    assert "development SECRET_KEY" in caplog.text


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.internal")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///elsewhere.db")
    settings = Settings(_env_file=None)
    assert (settings.smtp_host, settings.smtp_port) == ("mail.internal", 2525)
    assert settings.database_url.endswith("elsewhere.db")
