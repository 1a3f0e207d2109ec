"""Email: Jinja2 templates, real SMTP with aiosmtplib, once per idempotency key.

With no SMTP_HOST configured, messages are printed to the console instead of sent.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import anyio
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from demo_app import db
from demo_app.config import get_settings
from demo_app.context import current_run_id
from demo_app.models import EmailDelivery, utcnow
from demo_app.tasks.runs import RetryLater

log = logging.getLogger("demo_app.email")

templates = Environment(
    loader=PackageLoader("demo_app", "templates/email"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def build_message(to: str, template: str, context: dict, key: str) -> EmailMessage:
    """`template` names three files: NAME.subject.txt, NAME.txt and NAME.html."""
    message = EmailMessage()
    message["From"] = get_settings().mail_from
    message["To"] = to
    message["Subject"] = templates.get_template(f"{template}.subject.txt").render(context).strip()
    # A Message-ID derived from the key lets a receiving system drop a duplicate too.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = make_msgid(idstring=digest, domain="guide.example")
    message.set_content(templates.get_template(f"{template}.txt").render(context))
    message.add_alternative(templates.get_template(f"{template}.html").render(context), "html")
    return message


async def claim(key: str, to: str, subject: str) -> bool:
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


def as_utc(moment: datetime) -> datetime:
    """SQLite gives stored moments back without their zone (the app writes UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def finish(key: str, sent: bool) -> None:
    """Mark the claim sent, or give it up so a later attempt can send."""
    async with db.session() as session:
        row = select(EmailDelivery).where(EmailDelivery.idempotency_key == key)
        delivery = (await session.exec(row)).one()
        if sent:
            delivery.sent_at = utcnow()
        else:
            await session.delete(delivery)
        await session.commit()


async def deliver(message: EmailMessage) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        print(f"📧 [EMAIL] to={message['To']} subject={message['Subject']!r}", flush=True)
        plain = message.get_body(("plain",))  # build_message always writes one
        text = plain.get_content().strip() if plain else ""
        print("   " + text.replace("\n", "\n   "))
        return
    use_tls, start_tls = settings.smtp_tls_options  # SMTP_TLS; default: STARTTLS if offered
    with anyio.fail_after(settings.smtp_send_limit_seconds):  # the claim's length counts on it
        await _send(message, settings, use_tls, start_tls)


async def _send(message: EmailMessage, settings, use_tls, start_tls) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=use_tls,
        start_tls=start_tls,
        timeout=settings.smtp_timeout_seconds,
    )


# --8<-- [start:send_email]
async def send_email(to: str, template: str, context: dict, key: str) -> bool:
    """Send one templated email unless `key` was sent (or is being sent by another run).
    True if this call sent it.

    The key is claimed before sending and marked sent after: two runs never both send it,
    and a retry sends what a failed attempt did not. A duplicate needs the process to die
    between the mail server's OK and the commit that follows it.
    """
    message = build_message(to, template, context, key)
    if not await claim(key, to, message["Subject"]):
        log.info("email %s already sent or being sent by another run, skipping", key)
        return False
    try:
        await deliver(message)
    except Exception:
        await finish(key, sent=False)
        raise
    await finish(key, sent=True)
    log.info("email %r sent to %s", message["Subject"], to)
    return True


# --8<-- [end:send_email]
