"""Settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "development-only-secret-key-change-me-please"
VAR_DIR = Path("var")

log = logging.getLogger("demo_app")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'demo_app.db'}"
    secret_key: str = DEV_SECRET_KEY
    access_token_expire_minutes: int = 60

    # Email: with no SMTP_HOST the messages are printed to the console instead.
    smtp_host: str | None = None
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Guide Demo <noreply@guide.example>"

    # Argon2 cost: the defaults are for real passwords; tests lower them to run fast.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536

    upload_dir: Path = VAR_DIR / "uploads"
    max_upload_bytes: int = 1_048_576

    retention_days: int = 30
    newsletter_batch_size: int = 50

    # Background task runs: retries with exponential backoff, then "dead".
    task_max_attempts: int = 5
    task_retry_base_seconds: float = 2.0
    # The in-process scheduler: retries, recovery of interrupted runs, periodic cleanup.
    scheduler_enabled: bool = True
    scheduler_poll_seconds: float = 1.0
    instance_stale_after_seconds: float = 15.0
    cleanup_interval_seconds: float = 3600.0

    # --8<-- [start:celery_settings]
    # Where tasks run: "inprocess" (BackgroundTasks, in this process, after the response) or
    # "celery" (Celery workers, through Redis). The routes are the same either way.
    task_backend: Literal["inprocess", "celery"] = "inprocess"
    redis_url: str = "redis://127.0.0.1:6379/0"
    celery_broker_url: str | None = None  # default: REDIS_URL
    celery_result_backend: str | None = None  # default: REDIS_URL
    # Redis hands a message nobody acknowledged to another worker after this long. It must
    # outlast the hard time limit, so a message comes back only once its attempt is over.
    celery_visibility_timeout: float = 3600.0
    # One attempt on a worker: past the soft limit the task is cancelled and recorded as
    # failed (then retried); past the hard limit the pool kills the process running it.
    task_soft_time_limit_seconds: float = 60.0
    task_time_limit_seconds: float = 90.0
    # --8<-- [end:celery_settings]

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.secret_key == DEV_SECRET_KEY:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set when ENVIRONMENT=production")
            log.warning("Using the development SECRET_KEY: set SECRET_KEY outside development.")
        return self

    @model_validator(mode="after")
    def _limits_in_order(self) -> Settings:
        soft, hard = self.task_soft_time_limit_seconds, self.task_time_limit_seconds
        if not 0 < soft < hard < self.celery_visibility_timeout:
            raise ValueError(
                "need 0 < TASK_SOFT_TIME_LIMIT_SECONDS < TASK_TIME_LIMIT_SECONDS "
                f"< CELERY_VISIBILITY_TIMEOUT, got {soft} < {hard} < "
                f"{self.celery_visibility_timeout}"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
