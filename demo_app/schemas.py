"""Shared by the rings: what the API accepts and returns (the tables stay private)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from demo_app.models import RunStatus, UploadState

# SQLite stores signed 64-bit integers: a bigger id or offset (or a more negative one)
# would raise OverflowError inside the query (a 500). Bounded at the edge, it is a 422 that
# says why. Ids start at 1.
MAX_ID = 2**31 - 1
MAX_OFFSET = 2**31 - 1
DbId = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]

# Control characters (Cc: NUL, CR, LF, ESC...), line and paragraph separators (U+2028/9),
# lone surrogates and bidi overrides: in a Subject header they break the email, in a log
# line they forge a new one. Refused at the edge, so no task is handed text it cannot send.
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _refuse_controls(value: str, allowed: str = "") -> str:
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES or char in _BIDI_CONTROLS:
            raise ValueError(f"control character {char!r} (U+{ord(char):04X}) is not allowed")
    return value


def single_line(value: str) -> str:
    """One line of text: no control character at all (a title, a subject)."""
    return _refuse_controls(value)


def multi_line(value: str) -> str:
    """Text that may span lines: newlines and tabs stay (CRLF becomes LF), nothing else."""
    return _refuse_controls(value.replace("\r\n", "\n"), allowed="\n\t")


SingleLine = Annotated[str, AfterValidator(single_line)]
MultiLine = Annotated[str, AfterValidator(multi_line)]


# ASCII letters, digits and ._- only: no control character, no look-alike.
Username = Annotated[str, Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]
# Passwords are hashed, never stored or logged: any character, bounded (hashing costs).
Password = Annotated[str, Field(min_length=8, max_length=128)]

# Text that reaches a query is checked here too: PostgreSQL refuses a NUL byte in text
# (a 500 there), SQLite does not. Run and upload ids are uuid4 hex; request ids are the
# tokens context.new_request_id keeps; task names are Python function names.
HexId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
TaskName = Annotated[str, Query(max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
# A signed link's token (a JWT: base64url parts joined by dots).
LinkToken = Annotated[str, Query(min_length=1, max_length=2000, pattern=r"^[A-Za-z0-9_.-]+$")]


class UserCreate(BaseModel):
    username: Username
    email: EmailStr
    password: Password
    subscribe_newsletter: bool = False

    @field_validator("email")
    @classmethod
    def _lowercase(cls, email: str) -> str:
        return email.lower()  # one account per address, however it is capitalised


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    email: str
    is_admin: bool
    is_subscribed: bool
    created_at: datetime
    email_verified_at: datetime | None


class LoginForm(BaseModel):
    """OAuth2's password form (what Swagger UI's Authorize sends), checked like sign-up's."""

    username: Username
    password: Annotated[str, Field(min_length=1, max_length=128)]


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class Subscription(BaseModel):
    subscribed: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class ItemCreate(BaseModel):
    title: SingleLine = Field(min_length=1, max_length=200)
    description: MultiLine | None = Field(default=None, max_length=2000)


class ItemUpdate(BaseModel):
    """Every field is optional; each one given is applied."""

    title: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    description: MultiLine | None = Field(default=None, max_length=2000)
    is_completed: bool | None = None

    @model_validator(mode="after")
    def _no_explicit_nulls(self) -> ItemUpdate:
        for field in ("title", "is_completed"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null: leave it out to keep it")
        return self


class ItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    description: str | None
    is_completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class NewsletterCreate(BaseModel):
    subject: SingleLine = Field(min_length=1, max_length=200)
    body: MultiLine = Field(min_length=1, max_length=20_000)


class NewsletterQueued(BaseModel):
    newsletter_id: int
    recipients: int
    batches: int


class UploadAccepted(BaseModel):
    id: str
    status: UploadState
    status_url: str


class UploadStatus(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    filename: str
    size_bytes: int
    status: UploadState
    line_count: int | None
    word_count: int | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class TaskRunPublic(BaseModel):
    id: str
    name: str
    args: dict[str, Any]
    request_id: str | None
    status: RunStatus
    attempt: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    next_attempt_at: datetime | None
    error_type: str | None
    error_message: str | None
    error_traceback: str | None


class TaskStats(BaseModel):
    name: str
    counts: dict[RunStatus, int]
    success_rate: float | None  # succeeded / (succeeded + failed + dead)
    p50_ms: float | None
    p95_ms: float | None


class TimelineEvent(BaseModel):
    at_ms: float
    event: str
    task: str | None = None
    run_id: str | None = None
    status: RunStatus | None = None
