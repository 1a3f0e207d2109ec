"""Email: Jinja2 templates, real SMTP with aiosmtplib, once per idempotency key.

With no SMTP_HOST configured, messages are printed to the console instead of sent.
"""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import EmailDelivery

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


async def already_sent(key: str) -> bool:
    async with db.session() as session:
        found = await session.exec(
            select(EmailDelivery.id).where(EmailDelivery.idempotency_key == key)
        )
        return found.first() is not None


async def deliver(message: EmailMessage) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        print(f"📧 [EMAIL] to={message['To']} subject={message['Subject']!r}", flush=True)
        print("   " + message.get_body(("plain",)).get_content().strip().replace("\n", "\n   "))
        return
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


# --8<-- [start:send_email]
async def send_email(to: str, template: str, context: dict, key: str) -> bool:
    """Send one templated email unless `key` was already sent. True if it was sent now.

    At-least-once, narrowed: a retry skips keys recorded as sent, so a duplicate needs the
    process to die in the milliseconds between the SMTP reply and the row's commit.
    """
    if await already_sent(key):
        log.info("email %s already sent, skipping", key)
        return False
    message = build_message(to, template, context, key)
    await deliver(message)
    async with db.session() as session:
        session.add(EmailDelivery(idempotency_key=key, recipient=to, subject=message["Subject"]))
        try:
            await session.commit()
        except IntegrityError:  # a concurrent attempt recorded it first
            await session.rollback()
    log.info("email %r sent to %s", message["Subject"], to)
    return True


# --8<-- [end:send_email]
