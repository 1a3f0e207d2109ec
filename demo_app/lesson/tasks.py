"""The lesson ring: the app's background tasks, under the names the source text gives them.

Each takes plain values (ids, strings), opens its own database session, and is safe to run
twice: emails carry an idempotency key, rows have unique constraints.
"""

from __future__ import annotations

import codecs
import logging
from datetime import date, timedelta

import anyio
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.lesson.email import app_link, send_email
from demo_app.models import (
    Achievement,
    AuditLog,
    Item,
    Upload,
    UploadState,
    User,
    id_of,
    utcnow,
)
from demo_app.platform.context import current_request_id, current_run_id
from demo_app.platform.logs import mask_email
from demo_app.platform.security import create_link_token
from demo_app.runs.queue import NoRetry, task

log = logging.getLogger("demo_app.tasks")

NOTIFICATION_TYPES = ("created", "updated", "completed", "deleted")
AUDIT_ACTIONS = ("REGISTER", "LOGIN", "CREATE_ITEM", "UPDATE_ITEM", "DELETE_ITEM")


class BatchIncomplete(Exception):
    """Some recipients of a batch failed; a retry sends to them only."""


# --8<-- [start:send_welcome_email]
@task(recipient="email")  # counted against the address's hourly email quota
async def send_welcome_email(email: str, username: str) -> bool:
    """Welcome a newly registered user, with the link that confirms their address. Sent once
    per username, however often it runs.

    The address may be a stranger's: the email says nothing the sign-up chose (no username).
    """
    print(f"📧 [TASK] Sending welcome email to {mask_email(email)}", flush=True)
    context = {"verify_url": verify_link(email, username), "hours": verify_link_hours()}
    return await send_email(email, "welcome", context, key=f"welcome:{username}")


# --8<-- [end:send_welcome_email]


def verify_link_hours() -> str:
    return f"{get_settings().verify_link_hours:g}"


def verify_link(email: str, username: str) -> str:
    """The link that confirms `email` for `username`'s account, for VERIFY_LINK_HOURS."""
    lifetime = timedelta(hours=get_settings().verify_link_hours)
    token = create_link_token("verify", email, username=username, lifetime=lifetime)
    return app_link("/auth/verify", token)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058): mail clients show a button that POSTs to `url`."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@task(recipient="recipient_email")
async def send_item_notification(
    recipient_email: str,
    recipient_username: str,
    item_title: str,
    notification_type: str,
    item_id: int,
    item_version: int,
) -> bool:
    """Tell an item's owner it was created, updated, completed or deleted.

    The key names the item's version, so each change is announced once.
    """
    if notification_type not in NOTIFICATION_TYPES:
        raise NoRetry(f"unknown notification type {notification_type!r}")
    to = mask_email(recipient_email)
    print(f"📧 [TASK] Item {item_title!r} {notification_type}: notifying {to}", flush=True)
    context = {
        "recipient_username": recipient_username,
        "item_title": item_title,
        "notification_type": notification_type,
    }
    key = f"item:{item_id}:v{item_version}:{notification_type}"
    return await send_email(recipient_email, "item_notification", context, key=key)


@task
async def send_batch_email(
    recipient_list: list[str], subject: str, body: str, batch_id: str
) -> dict[str, int]:
    """Send one message to many recipients; one failure does not stop the rest.

    Raises `BatchIncomplete` after trying everyone if any failed, so the run is retried;
    the retry skips the recipients already sent to (their keys are recorded).
    """
    counts = {"sent": 0, "already_sent": 0, "failed": 0}
    for recipient in recipient_list:
        # Each recipient's own link: it unsubscribes them, without logging in.
        url = app_link("/newsletter/unsubscribe", create_link_token("unsubscribe", recipient))
        context = {"subject": subject, "body": body, "unsubscribe_url": url}
        key, headers = f"{batch_id}:{recipient}", unsubscribe_headers(url)
        try:
            sent = await send_email(recipient, "newsletter", context, key=key, headers=headers)
        except Exception as exc:  # one bad recipient or a dropped connection: go on
            counts["failed"] += 1
            log.warning("batch %s: %s failed: %s", batch_id, recipient, exc)
        else:
            counts["sent" if sent else "already_sent"] += 1
    print(f"📧 [TASK] Batch {batch_id}: {counts}", flush=True)
    if counts["failed"]:
        raise BatchIncomplete(f"{counts['failed']} of {len(recipient_list)} failed: {counts}")
    return counts


# --8<-- [start:log_user_action]
@task
async def log_user_action(
    username: str, action: str, details: str | None = None, request_id: str | None = None
) -> bool:
    """Write one audit row. The (run id, action, username) key makes a rerun a no-op.

    The run id comes from `run_task`, never from the client: three logins are three runs,
    so three rows, even if their clients sent one X-Request-ID. `request_id` (default: the
    request that scheduled the task) is kept on the row for correlation only.
    """
    request_id = request_id or current_request_id()
    if action not in AUDIT_ACTIONS:
        raise NoRetry(f"unknown audit action {action!r}")
    async with db.session() as session:
        session.add(
            AuditLog(
                username=username,
                action=action,
                details=details,
                request_id=request_id,
                run_id=current_run_id(),
            )
        )
        try:
            await session.commit()
        except IntegrityError:
            return False
    print(f"📝 [AUDIT] User {username!r} performed action {action!r}", flush=True)
    return True


# --8<-- [end:log_user_action]


BADGES = {
    1: ("first-completion", "First step"),
    5: ("five-done", "High five"),
    10: ("ten-done", "Perfect ten"),
}
STREAKS = {3: ("streak-3", "Three days in a row"), 7: ("streak-7", "A whole week")}


def streak_ending_at(days: set[date], last: date) -> int:
    length = 0
    while last - timedelta(days=length) in days:
        length += 1
    return length


@task
async def process_item_completion(item_id: int, username: str, item_title: str) -> list[str]:
    """Award badges for completion counts and daily streaks. Each badge is awarded once."""
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None:
            return []
        user_id, email = id_of(user), user.email  # plain values: a rollback below expires rows
        done = Item.owner_id == user_id, col(Item.is_completed), col(Item.deleted_at).is_(None)
        completed = (await session.exec(select(Item.completed_at).where(*done))).all()
        days = {moment.date() for moment in completed if moment}
        count = len(completed)
        streak = streak_ending_at(days, max(days)) if days else 0
        earned = [b for n, b in BADGES.items() if count >= n]
        earned += [b for n, b in STREAKS.items() if streak >= n]
        awarded = []
        for code, title in earned:
            session.add(Achievement(user_id=user_id, code=code, title=title))
            try:
                await session.commit()
            except IntegrityError:  # awarded before: fine, that is the point
                await session.rollback()
                continue
            awarded.append(code)
            print(f"🏆 [TASK] {username} earned '{title}' (item {item_id})", flush=True)
    # Outside the session. Every earned badge, not just the new ones: if an earlier attempt
    # awarded a badge and then failed to email, this run sends it (the key stops repeats).
    for code, title in earned:
        context = {"username": username, "title": title, "item_title": item_title}
        await send_email(email, "achievement", context, key=f"achievement:{user_id}:{code}")
    return awarded


# --8<-- [start:process_upload]
@task
async def process_upload(upload_id: str) -> dict[str, int] | None:
    """Count an uploaded text file's lines and words, reading it in chunks, off the loop."""
    path = get_settings().upload_dir / upload_id
    async with db.session() as session:
        upload = await session.get(Upload, upload_id)
        if upload is None or upload.status == UploadState.DONE:
            return None
        upload.status = UploadState.PROCESSING
        await session.commit()
        try:
            lines, words = await count_lines_and_words(path)
        except UnicodeDecodeError:
            upload.status, upload.error = UploadState.FAILED, "the file is not UTF-8 text"
        else:
            upload.status, upload.line_count, upload.word_count = UploadState.DONE, lines, words
        upload.finished_at = utcnow()
        await session.commit()
        print(f"📄 [TASK] Upload {upload.filename!r}: {upload.status}", flush=True)
        return {"lines": lines, "words": words} if upload.status == UploadState.DONE else None


async def count_lines_and_words(path, chunk_size: int = 64 * 1024) -> tuple[int, int]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = words = 0
    in_word = False
    last = ""
    async with await anyio.open_file(path, "rb") as f:
        while chunk := await f.read(chunk_size):
            text = decoder.decode(chunk)
            if not text:
                continue
            found = len(text.split())
            if found and in_word and not text[0].isspace():
                found -= 1  # the first word continues the previous chunk's last one
            words += found
            in_word = not text[-1].isspace()
            lines += text.count("\n")
            last = text[-1:] or last
        decoder.decode(b"", final=True)
    if last and last != "\n":
        lines += 1  # a last line without a trailing newline still counts
    return lines, words


# --8<-- [end:process_upload]


__all__ = [
    "log_user_action",
    "process_item_completion",
    "process_upload",
    "send_batch_email",
    "send_item_notification",
    "send_welcome_email",
]
