"""Shared by the rings: database tables. Ids and plain values are what background tasks
receive, never rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import JSON, Column, ColumnElement, Enum, Index, UniqueConstraint, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import ReturnTypeFromArgs
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment read back from the database, in UTC: SQLite returns it without its zone
    (the app writes UTC), PostgreSQL with it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class HasId(Protocol):
    id: int | None


def id_of(row: HasId) -> int:
    """The id the database gave a row: set once it is flushed, or read back."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has no id yet: flush it first")
    return row.id


class RunStatus(StrEnum):
    """Where a task run is."""

    QUEUED = "queued"  # recorded in its request's transaction; not started yet
    RUNNING = "running"  # claimed by one process (`claimed_by`)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # raised NoRetry: trying again cannot help
    RETRYING = "retrying"  # failed; tried again at `next_attempt_at`
    DEAD = "dead"  # failed TASK_MAX_ATTEMPTS times
    INTERRUPTED = "interrupted"  # its process went away before it finished; run again


class UploadState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


def stored_as_values(enum: type[StrEnum]) -> Enum:
    """A string column holding the members' values (SQLAlchemy's Enum stores their names)."""
    return Enum(enum, values_callable=lambda members: [m.value for m in members], native_enum=False)


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=50)
    email: str = Field(index=True, unique=True, max_length=254)
    hashed_password: str
    is_admin: bool = False
    is_subscribed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the address's owner follows the confirmation link: until then the address
    # gets no newsletter, and after VERIFY_LINK_HOURS a new sign-up may take it.
    email_verified_at: datetime | None = None


# "Alice" and "alice" are one account: the name is shown as written, unique in lower case.
_users = User.__table__  # type: ignore[attr-defined]
Index("ux_users_username_lower", func.lower(_users.c.username), unique=True)


class Item(SQLModel, table=True):
    __tablename__ = "items"
    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    is_completed: bool = False
    completed_at: datetime | None = None
    # Bumped on every change: a notification's idempotency key names the version it is about.
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = Field(default=None, index=True)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_logs"
    # The task run that wrote the row is its key: a rerun of that run is a no-op, and two
    # requests are two runs whatever X-Request-ID their clients sent.
    __table_args__ = (UniqueConstraint("run_id", "action", "username"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    action: str = Field(index=True)
    details: str | None = None
    request_id: str | None = None  # for correlation only
    run_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Achievement(SQLModel, table=True):
    __tablename__ = "achievements"
    __table_args__ = (UniqueConstraint("user_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    code: str
    title: str
    awarded_at: datetime = Field(default_factory=utcnow)


class EmailDelivery(SQLModel, table=True):
    """One row per email: claimed by a task run before sending, marked sent after.

    The unique key makes two runs that want to send the same email (a retry, or two
    completions awarding one badge) agree on which one sends it.
    """

    __tablename__ = "email_deliveries"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    recipient: str = Field(index=True)
    subject: str
    run_id: str  # the task run that holds the claim
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Newsletter(SQLModel, table=True):
    __tablename__ = "newsletters"
    id: int | None = Field(default=None, primary_key=True)
    subject: str
    body: str
    sent_by: int = Field(foreign_key="users.id")
    recipients: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"
    id: str = Field(default_factory=new_id, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    filename: str  # the client's name, cleaned, for display only: never used as a path
    size_bytes: int
    status: UploadState = Field(default=UploadState.PENDING, sa_type=stored_as_values(UploadState))
    line_count: int | None = None
    word_count: int | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


# The upload quota counts a user's uploads of the last hour; cleanup finds old ones by date.
Index("ix_uploads_owner_created", Upload.owner_id, Upload.created_at)  # type: ignore[arg-type]
Index("ix_uploads_created_at", Upload.created_at)  # type: ignore[arg-type]


class TaskRun(SQLModel, table=True):
    """One scheduled background task: written with the request's own transaction."""

    __tablename__ = "task_runs"
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(index=True)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recipient: str | None = None  # the address an email task sends to (queue.RECIPIENTS)
    request_id: str | None = Field(default=None, index=True)
    status: RunStatus = Field(
        default=RunStatus.QUEUED, sa_type=stored_as_values(RunStatus), index=True
    )
    attempt: int = 0
    claimed_by: str | None = Field(default=None, index=True)  # the process that runs it
    queued_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: float | None = None
    result: Any = Field(default=None, sa_column=Column(JSON))
    next_attempt_at: datetime | None = Field(default=None, index=True)
    error_type: str | None = None
    error_message: str | None = None
    error_traceback: str | None = None


# The email quota reads an address's email runs of the last hour (demo_app/platform/quotas.py);
# the task statistics read each task's latest runs.
Index("ix_task_runs_recipient_queued_at", TaskRun.recipient, TaskRun.queued_at)  # type: ignore[arg-type]
Index("ix_task_runs_name_queued_at", TaskRun.name, TaskRun.queued_at)  # type: ignore[arg-type]
Index("ix_task_runs_finished_at", TaskRun.finished_at)  # type: ignore[arg-type]
Index("ix_email_deliveries_claimed_at", EmailDelivery.claimed_at)  # type: ignore[arg-type]
Index("ix_newsletters_created_at", Newsletter.created_at)  # type: ignore[arg-type]


class RequestRecord(SQLModel, table=True):
    """When a request arrived and when its response's last byte left (for the timeline)."""

    __tablename__ = "request_records"
    request_id: str = Field(primary_key=True)
    method: str
    path: str
    status_code: int | None = None
    received_at: datetime
    response_sent_at: datetime | None = None


class latest(ReturnTypeFromArgs[datetime]):  # noqa: N801  (a SQL function, named like one)
    """The latest of its arguments: PostgreSQL's greatest(a, b, ...), SQLite's max(a, b, ...)."""

    inherit_cache = True


@compiles(latest)
def _greatest(element: latest, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(latest, "sqlite")
def _max(element: latest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def touched_at(first: Any, *later: Any) -> ColumnElement[datetime]:
    """When a row last changed: the latest of its timestamps (`first` is never NULL)."""
    return latest(first, *(func.coalesce(column, first) for column in later))


# When each row last changed, as the event stream (demo_app/platform/events.py) reads it:
# indexed, so that a poll reads the rows changed since its cursor, never the whole table.
_requests = RequestRecord.__table__.c  # type: ignore[attr-defined]
_runs = TaskRun.__table__.c  # type: ignore[attr-defined]
_mail = EmailDelivery.__table__.c  # type: ignore[attr-defined]
REQUEST_TOUCHED_AT = touched_at(_requests.received_at, _requests.response_sent_at)
RUN_TOUCHED_AT = touched_at(
    _runs.queued_at, _runs.started_at, _runs.finished_at, _runs.next_attempt_at
)
MAIL_TOUCHED_AT = touched_at(_mail.claimed_at, _mail.sent_at)
Index("ix_request_records_touched_at", REQUEST_TOUCHED_AT)
Index("ix_task_runs_touched_at", RUN_TOUCHED_AT)
Index("ix_email_deliveries_touched_at", MAIL_TOUCHED_AT)


class AppInstance(SQLModel, table=True):
    """A running app process, beating `heartbeat_at` from a thread of its own.

    A heartbeat older than INSTANCE_STALE_AFTER_SECONDS means the process is gone: the row
    is deleted and its unfinished runs are taken over. A process that finds its row deleted
    registers again; the runs taken over are no longer its to claim.
    """

    __tablename__ = "app_instances"
    id: str = Field(primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)


class SchedulerLock(SQLModel, table=True):
    """A lease: whoever holds `name` until `expires_at` runs that periodic job."""

    __tablename__ = "scheduler_locks"
    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime
