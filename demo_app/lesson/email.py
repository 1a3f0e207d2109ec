"""The lesson ring: the email a task sends. Jinja2 templates, real SMTP with aiosmtplib,
once per idempotency key (runs/deliveries.py keeps the keys).

With no SMTP_HOST configured, messages are printed to the console instead of sent.
"""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import anyio
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from demo_app.config import get_settings
from demo_app.platform.logs import mask_email
from demo_app.runs.deliveries import claim_delivery, finish_delivery

log = logging.getLogger("demo_app.email")

templates = Environment(
    loader=PackageLoader("demo_app", "templates/email"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def build_message(
    to: str, template: str, context: dict, key: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    """`template` names three files: NAME.subject.txt, NAME.txt and NAME.html."""
    message = EmailMessage()
    message["From"] = get_settings().mail_from
    message["To"] = to
    message["Subject"] = templates.get_template(f"{template}.subject.txt").render(context).strip()
    # A Message-ID derived from the key lets a receiving system drop a duplicate too.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = make_msgid(idstring=digest, domain="guide.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(templates.get_template(f"{template}.txt").render(context))
    message.add_alternative(templates.get_template(f"{template}.html").render(context), "html")
    return message


async def deliver(message: EmailMessage) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        to = mask_email(message["To"])  # the console is read by more people than the mail
        print(f"📧 [EMAIL] to={to} subject={message['Subject']!r}", flush=True)
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
async def send_email(
    to: str, template: str, context: dict, key: str, headers: dict[str, str] | None = None
) -> bool:
    """Send one templated email unless `key` was sent (or is being sent by another run).
    True if this call sent it.

    The key is claimed before sending and marked sent after: two runs never both send it,
    and a retry sends what a failed attempt did not. A duplicate needs the process to die
    between the mail server's OK and the commit that follows it.
    """
    message = build_message(to, template, context, key, headers)
    if not await claim_delivery(key, to, message["Subject"]):
        log.info("email %s already sent or being sent by another run, skipping", key)
        return False
    try:
        await deliver(message)
    except Exception:
        await finish_delivery(key, sent=False)
        raise
    await finish_delivery(key, sent=True)
    log.info("email %r sent to %s", message["Subject"], to)
    return True


# --8<-- [end:send_email]


def app_link(path: str, token: str) -> str:
    """A link to this app (PUBLIC_URL) for a mail reader to follow: `path` under /api/v1."""
    return f"{get_settings().public_url.rstrip('/')}/api/v1{path}?token={token}"
