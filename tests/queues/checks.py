"""What every way is checked for: a sign-up is answered before its welcome email arrives,
and the email arrives. The SMTP server holds each message DELAY seconds, so a route that
waited for the send answers after the email (the control test shows the check catching one).
"""

from __future__ import annotations

import time

import httpx

from demo_app.platform.mailbox import MailSink

DELAY = 1.0  # seconds the SMTP server holds each message before accepting it


def register(url: str, sink: MailSink, name: str) -> tuple[float, int]:
    """POST a sign-up: seconds until the response, and how many emails had arrived then."""
    began = time.monotonic()
    response = httpx.post(url, json={"username": name, "email": f"{name}@example.com"}, timeout=30)
    took, arrived = time.monotonic() - began, len(sink.messages)
    assert response.status_code == 201, response.text
    assert response.json() == {"username": name}
    return took, arrived


def check_answered_before_email(url: str, sink: MailSink) -> float:
    """POST a sign-up to `url`: the response comes before the email, which then arrives."""
    took, arrived = register(url, sink, "ada")
    assert arrived == 0, f"the response ({took:.2f} s) came after the email: it waited for it"
    [mail] = sink.wait_for(1, timeout=DELAY + 15)
    assert mail.rcpt_tos == ("ada@example.com",)
    return took
