"""What the API accepts and returns (the tables stay private)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from demo_app.models import RunStatus, UploadState


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)
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


class Subscription(BaseModel):
    subscribed: bool


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class ItemCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ItemUpdate(BaseModel):
    """Every field is optional; each one given is applied."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
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
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)


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
