"""The sign-up form, the user store and the welcome email every app in guide.queues sends."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

import aiosmtplib
from pydantic import BaseModel

users: dict[str, str] = {}  # the "database" of one process: username -> email


class Signup(BaseModel):
    username: str
    email: str


def welcome(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "noreply@example.com", to, "Welcome!"
    message.set_content("Thanks for signing up.")
    return message


def smtp_server() -> tuple[str, int]:
    return os.environ.get("SMTP_HOST", "127.0.0.1"), int(os.environ.get("SMTP_PORT", "1025"))


def send_welcome(to: str) -> None:
    """Blocking: for a thread, a process or a worker that runs plain functions."""
    host, port = smtp_server()
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(welcome(to))


async def send_welcome_async(to: str) -> None:
    """Non-blocking: for the event loop (the app's, or an async worker's)."""
    host, port = smtp_server()
    await aiosmtplib.send(welcome(to), hostname=host, port=port, timeout=30)
