"""The runs ring: each email sent once per idempotency key, however often its task runs.

`send_email` (lesson/email.py) claims the key before it talks to the mail server and marks
it sent after: two runs never both send it, and a retry sends what a failed attempt did not.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import EmailDelivery, as_utc, utcnow
from demo_app.platform.context import current_run_id
from demo_app.runs.queue import RetryLater


async def claim_delivery(key: str, to: str, subject: str) -> bool:
    """Take `key` for the running task run. False if it was sent, or another run has it.

    A claim left by an earlier attempt of the same run is taken over only once a send it
    started must be over (SMTP_SEND_LIMIT_SECONDS after it claimed): that attempt may be
    dead, or alive in a process recovery took for gone, still talking to the mail server.
    Before then this attempt raises RetryLater, and the run is retried when the claim ends.
    """
    me = current_run_id() or uuid.uuid4().hex  # called outside a run: a one-off owner
    now = utcnow()
    async with db.session() as session:
        session.add(EmailDelivery(idempotency_key=key, recipient=to, subject=subject, run_id=me))
        try:
            await session.commit()
            return True
        except IntegrityError:
            await session.rollback()
        found = (
            await session.exec(select(EmailDelivery).where(EmailDelivery.idempotency_key == key))
        ).one()
        if found.sent_at is not None or found.run_id != me:
            return False
        limit = timedelta(seconds=get_settings().smtp_send_limit_seconds)
        expires = as_utc(found.claimed_at) + limit
        if now < expires:
            raise RetryLater(expires, f"email {key}: an earlier attempt may still be sending it")
        taken = await session.exec(  # one taker: the first moves claimed_at past the cutoff
            update(EmailDelivery)
            .where(col(EmailDelivery.idempotency_key) == key)
            .where(col(EmailDelivery.run_id) == me, col(EmailDelivery.sent_at).is_(None))
            .where(col(EmailDelivery.claimed_at) <= now - limit)
            .values(claimed_at=now)
        )
        await session.commit()
        return taken.rowcount == 1


async def finish_delivery(key: str, sent: bool) -> None:
    """Mark the claim sent, or give it up so a later attempt can send."""
    claim = col(EmailDelivery.idempotency_key) == key
    async with db.session() as session:  # one statement, no read first
        if sent:
            await session.exec(update(EmailDelivery).where(claim).values(sent_at=utcnow()))
        else:
            await session.exec(delete(EmailDelivery).where(claim))
        await session.commit()
