"""Shared by the rings: settings, read once from the environment and an optional `.env`
file."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

import limits
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")  # the app's data folder (git-ignored): database, uploads, secret key
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_BYTES = 32  # HS256 signs with a SHA-256 HMAC: a shorter key is weaker than it

log = logging.getLogger("demo_app")


class Settings(BaseSettings):
    # hide_input_in_errors: a refused value (a URL with a password, a key) is not printed
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "test", "production"] = "development"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'demo_app.db'}"
    # Migrate the schema at start-up (platform/migrate.py). Unset: yes, except in production,
    # where the app checks the schema is current and `python -m demo_app migrate` migrates.
    migrate_at_startup: bool | None = None
    # Signs the access tokens. Unset: a random key made once for this installation and kept
    # in VAR_DIR/secret_key (mode 0600), so tokens survive restarts and no one else, reading
    # this repository, can sign one. ENVIRONMENT=production requires it, of 32 bytes or more.
    secret_key: str = ""
    access_token_expire_minutes: int = 60
    # Links in emails (confirm an address, unsubscribe) start with PUBLIC_URL: where a mail
    # reader reaches this app. A sign-up's confirmation link works VERIFY_LINK_HOURS; after
    # that an address its account never confirmed is free for a new sign-up.
    public_url: str = "http://127.0.0.1:8000"
    verify_link_hours: float = Field(default=24.0, gt=0)

    # Email: with no SMTP_HOST the messages are printed to the console instead.
    smtp_host: str | None = None
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    # auto: STARTTLS when the server offers it (required when credentials go to another
    # host); starttls: required; ssl: TLS from the first byte (port 465); none: plaintext,
    # refused with credentials unless the host is this machine. (Replaces SMTP_STARTTLS.)
    smtp_tls: Literal["auto", "starttls", "ssl", "none"] = "auto"
    smtp_timeout_seconds: float = 10.0  # each SMTP command
    # One email's whole conversation. Also how long an unsent email's claim protects a send
    # that may still be in flight: an attempt that finds one younger waits until then.
    smtp_send_limit_seconds: float = 30.0
    mail_from: str = "Guide Demo <noreply@guide.example>"

    # Argon2 cost: the defaults are for real passwords; tests lower them to run fast.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    # Hashes computed at once (each one a thread, a core and ARGON2_MEMORY_COST KiB);
    # unset: the core count. Logins beyond it wait for a turn.
    hashing_threads: int | None = Field(default=None, ge=1)

    # Rate limits (the `limits` package's notation: "5/minute", "100/hour", "10 per 2 minutes"),
    # counted in this process's memory over a moving window; past one the answer is 429 with
    # Retry-After. Every login attempt counts, right or wrong: guessing passwords is slow.
    # A name is limited per client address, so a stranger's wrong guesses cannot lock its
    # owner out; past LOGIN_SLOWDOWN_PER_USERNAME from all addresses together, each attempt
    # for that name waits LOGIN_SLOWDOWN_SECONDS first: guessing from many addresses slows,
    # and the owner still gets in.
    rate_limit_login_per_username: str = "5/minute"
    rate_limit_login_per_ip: str = "20/minute"
    rate_limit_register_per_ip: str = "10/minute"
    login_slowdown_per_username: str = "20/minute"
    login_slowdown_seconds: float = Field(default=2.0, ge=0)
    # Behind a reverse proxy: its address(es), comma-separated (uvicorn reads the same
    # variable and then takes the client's address from X-Forwarded-For). Unset, no proxy
    # is trusted: a request that carries X-Forwarded-For may have chosen its own address,
    # so all such requests share one count in the limits above.
    forwarded_allow_ips: str | None = None
    # The names this app answers to (the Host header), comma-separated; others get 400. A
    # forged Host would otherwise come back in redirects, and a DNS-rebinding page could
    # reach a server on 127.0.0.1. "*" allows any (then a proxy must check it).
    allowed_hosts: str = "127.0.0.1,localhost"

    upload_dir: Path = VAR_DIR / "uploads"
    max_upload_bytes: int = 1_048_576

    # Per-user quotas, counted from the database rows (so they hold across restarts and
    # worker processes); past one the answer is 429 with Retry-After and nothing is kept.
    # Emails a user's actions cause in the last hour (welcome and item notifications; the
    # admin's newsletter goes to opted-in subscribers and is not counted).
    quota_emails_per_hour: int = Field(default=20, ge=0)
    quota_uploads_per_hour: int = Field(default=20, ge=0)
    quota_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=0)  # all of a user's uploads

    # cleanup_old_data removes what is older than this: audit rows, request records,
    # finished runs, email deliveries, newsletters, uploads (rows and files), deleted items.
    retention_days: int = Field(default=30, ge=1)
    # Failed and dead runs (their arguments hold emails, their tracebacks more) are kept
    # longer, so someone can look at them and retry them.
    retention_failed_runs_days: int = Field(default=90, ge=1)
    newsletter_batch_size: int = 50

    # Background task runs: retries with exponential backoff, then "dead".
    task_max_attempts: int = 5
    task_retry_base_seconds: float = 2.0
    # The in-process scheduler: retries, recovery of interrupted runs, periodic cleanup.
    scheduler_enabled: bool = True
    scheduler_poll_seconds: float = 1.0
    instance_stale_after_seconds: float = 15.0
    cleanup_interval_seconds: float = 3600.0
    # GET /api/v1/events: a stream ends after this long and the client comes back with
    # Last-Event-ID (its token is checked again then). Below a proxy's idle timeout.
    event_stream_seconds: float = Field(default=60.0, ge=0)
    # Open event streams, each one polling the database a few times a second: at most this
    # many in this process, and per admin; past either the answer is 429 with Retry-After.
    event_streams_max: int = Field(default=10, ge=1)
    event_streams_per_admin: int = Field(default=5, ge=1)

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

    @field_validator(
        "rate_limit_login_per_username",
        "rate_limit_login_per_ip",
        "rate_limit_register_per_ip",
        "login_slowdown_per_username",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            example = '"5/minute" or "100/hour"'
            raise ValueError(f"a rate limit is written like {example}, not {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return async_database_url(url)

    @model_validator(mode="after")
    def _no_credentials_in_clear(self) -> Settings:
        credentials = self.smtp_username or self.smtp_password
        if self.smtp_tls == "none" and credentials and not is_loopback(self.smtp_host):
            raise ValueError(
                "SMTP_TLS=none would send SMTP_USERNAME/SMTP_PASSWORD in clear to "
                f"{self.smtp_host}: use SMTP_TLS=starttls or ssl (none is for 127.0.0.1 only)"
            )
        return self

    @property
    def smtp_tls_options(self) -> tuple[bool, bool | None]:
        """aiosmtplib's `use_tls` and `start_tls` for SMTP_TLS (start_tls=None: if offered)."""
        if self.smtp_tls == "ssl":
            return True, False
        if self.smtp_tls == "none":
            return False, False
        if self.smtp_tls == "starttls":
            return False, True
        credentials = self.smtp_username or self.smtp_password
        return False, True if credentials and not is_loopback(self.smtp_host) else None

    @property
    def migrates_at_startup(self) -> bool:
        if self.migrate_at_startup is None:
            return self.environment != "production"
        return self.migrate_at_startup

    @model_validator(mode="after")
    def _secret_key(self) -> Settings:
        if (
            self.environment == "production"
            and len(self.secret_key.encode()) < MIN_SECRET_KEY_BYTES
        ):
            raise ValueError(
                f"ENVIRONMENT=production needs a SECRET_KEY of at least {MIN_SECRET_KEY_BYTES} "
                'bytes: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if not self.secret_key:
            self.secret_key = installation_secret_key(VAR_DIR)
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
        # A retry waits in the worker, unacknowledged, for its countdown: one longer than the
        # visibility timeout would be handed to a second worker meanwhile.
        longest = self.task_retry_base_seconds * 2 ** max(self.task_max_attempts - 2, 0)
        longest = max(longest, self.smtp_send_limit_seconds)  # RetryLater waits that long
        if self.task_backend == "celery" and longest >= self.celery_visibility_timeout:
            raise ValueError(
                f"the longest retry wait ({longest:g} s: TASK_RETRY_BASE_SECONDS x 2^"
                "(TASK_MAX_ATTEMPTS-2), or SMTP_SEND_LIMIT_SECONDS) must be shorter than "
                f"CELERY_VISIBILITY_TIMEOUT ({self.celery_visibility_timeout:g} s)"
            )
        return self


def is_loopback(host: str | None) -> bool:
    if host is None or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: only "localhost" is known to be this machine
        return False


# The forms people write, and the async driver each one means: the app's engine is async.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
DATABASE_URL_FORMS = "sqlite:///PATH (e.g. sqlite:///var/demo_app.db) or postgresql://USER@HOST/DB"


def async_database_url(url: str) -> str:
    """`sqlite:///app.db` -> `sqlite+aiosqlite:///app.db`, `postgres://...` ->
    `postgresql+asyncpg://...`; anything else is refused with what to write instead."""
    scheme, sep, rest = url.partition("://")
    driver = ASYNC_DRIVERS.get(scheme.lower())
    if not sep or driver is None:
        shown = f"{scheme}://..." if sep else "a value with no scheme"  # never echo a password
        raise ValueError(f"DATABASE_URL must be {DATABASE_URL_FORMS}, not {shown}")
    return f"{driver}://{rest}"


def installation_secret_key(folder: Path) -> str:
    """This installation's own key: read from `folder/secret_key`, made there the first time.

    The file is written whole under a temporary name (mode 0600) and then linked into
    place, so two processes starting at once agree on one key and none reads half of it.
    """
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
                log.info("Made a secret key for this installation in %s", path)
            except FileExistsError:  # another process made it first: use theirs
                pass
        finally:
            os.unlink(tmp)
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by others: now mode 0600", path)
        path.chmod(0o600)
    key = path.read_text().strip()
    if len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise ValueError(f"{path} holds a key shorter than {MIN_SECRET_KEY_BYTES} bytes: delete it")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
