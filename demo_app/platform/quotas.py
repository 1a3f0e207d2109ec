"""The platform ring: per-user quotas, as route dependencies where they can be: emails a
user's actions cause per hour, uploads per hour and bytes stored.

Counted from the database rows, not in memory (unlike limits.py): a quota must hold
across restarts and across several worker processes, and the rows are already there. An
email is a `task_runs` row of a task marked `@task(recipient=...)`, recorded in the
request's transaction with its recipient; an
upload is an `uploads` row. Past a quota the answer is 429 with Retry-After, raised before
the route commits, so nothing is written and no task is scheduled.

Emails are counted by their recipient, the user's address (unique per account): that is
what a spammer's new account is for, and what bounds mail to a stranger. The newsletter is
not counted: an admin sends it, to subscribers who opted in.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import anyio
from fastapi import HTTPException, status
from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app.config import get_settings
from demo_app.deps import CurrentUser, SessionDep
from demo_app.models import TaskRun, Upload, User, as_utc, id_of, utcnow

WINDOW = timedelta(hours=1)
QUOTA_EXCEEDED = {"description": "A quota is used up: try again after Retry-After seconds"}


def refuse(detail: str, free_at: datetime) -> HTTPException:
    retry_after = max(1, math.ceil((free_at - utcnow()).total_seconds()))
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"{detail}: try again in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )


def within_hour(recorded: list[datetime], limit: int, what: str) -> None:
    """429 if `limit` are already recorded in the last hour (`recorded` oldest first);
    Retry-After: when enough of them are an hour old for one more."""
    if len(recorded) < limit:
        return
    free_at = as_utc(recorded[len(recorded) - limit]) + WINDOW if limit else utcnow() + WINDOW
    raise refuse(f"Quota reached: {limit} {what} per hour", free_at)


# --8<-- [start:email_quota]
async def check_email_quota(session: AsyncSession, email: str) -> None:
    """One more email to `email` this hour, or 429. Call it before scheduling the task."""
    # The runs of the tasks marked @task(recipient=...) record their address: an index
    # reads this address's runs of the hour, not every email run of the hour.
    query = (
        select(TaskRun.queued_at)
        .where(TaskRun.recipient == email, col(TaskRun.queued_at) >= utcnow() - WINDOW)
        .order_by(col(TaskRun.queued_at))
    )
    recorded = list((await session.exec(query)).all())
    within_hour(recorded, get_settings().quota_emails_per_hour, "emails")


# --8<-- [end:email_quota]


async def email_quota(user: CurrentUser, session: SessionDep) -> None:
    """On the decorator of a route that emails the current user: 429 past the quota,
    before the route writes anything. Held until the route commits (`hold_quota`)."""
    await hold_quota(session, id_of(user))
    await check_email_quota(session, user.email)


# --8<-- [start:hold_quota]
async def hold_quota(session: AsyncSession, user_id: int) -> None:
    """Make this user's quota check and the write it allows one step, until the commit.

    Counted, then written: 40 requests at once each count 19 of 20 and all pass. So the
    check starts with a write to the user's row. On PostgreSQL it locks the row until the
    transaction ends: the user's next request waits, then counts what this one wrote. On
    SQLite it takes the database's write lock (one writer at a time), and only as the
    transaction's first statement: one that has read cannot start writing once another has
    committed (SQLITE_BUSY_SNAPSHOT, "database is locked"), so what was read is committed
    first. Only the user's own requests wait on each other (on SQLite, every writer).
    """
    await session.commit()
    await session.exec(
        update(User).where(col(User.id) == user_id).values(is_subscribed=User.is_subscribed)
    )


# --8<-- [end:hold_quota]


async def upload_bytes_left(
    session: AsyncSession, user: User, on_refusal: anyio.Path | None = None
) -> int:
    """How many more bytes `user` may store; 429 if none, or if this hour's uploads are used
    (and the file at `on_refusal`, if given, removed)."""
    try:
        return await _upload_bytes_left(session, user)
    except HTTPException:
        if on_refusal is not None:
            await on_refusal.unlink(missing_ok=True)
        raise


async def _upload_bytes_left(session: AsyncSession, user: User) -> int:
    settings = get_settings()
    owned = col(Upload.owner_id) == id_of(user)
    since = utcnow() - WINDOW
    query = select(Upload.created_at).where(owned, col(Upload.created_at) >= since)
    recent = list((await session.exec(query.order_by(col(Upload.created_at)))).all())
    within_hour(recent, settings.quota_uploads_per_hour, "uploads")
    used, oldest = (
        await session.exec(
            select(func.sum(Upload.size_bytes), func.min(Upload.created_at)).where(owned)
        )
    ).one()
    left = settings.quota_upload_bytes - (used or 0)
    if left <= 0:
        raise storage_full(settings.quota_upload_bytes, oldest)
    return left


def storage_full(quota: int, oldest: datetime | None) -> HTTPException:
    """Stored bytes free up as cleanup removes uploads older than RETENTION_DAYS."""
    retention = timedelta(days=get_settings().retention_days)
    free_at = as_utc(oldest) + retention if oldest else utcnow() + retention
    return refuse(f"Quota reached: {quota} bytes of uploads stored", free_at)


async def refuse_over_quota(
    session: AsyncSession, user: User, path: anyio.Path, size: int, left: int
) -> None:
    """After saving: 429 if this file does not fit in what is left, and the file removed."""
    if size <= left:
        return
    try:
        query = select(func.min(Upload.created_at)).where(col(Upload.owner_id) == id_of(user))
        oldest = (await session.exec(query)).one()
    finally:
        await path.unlink(missing_ok=True)
    raise storage_full(get_settings().quota_upload_bytes, oldest)
