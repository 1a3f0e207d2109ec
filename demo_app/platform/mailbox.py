"""The platform ring: a local SMTP sink: receives real SMTP on 127.0.0.1 and keeps (and prints)
every message.

Run it beside the demo app to watch real delivery::

    python -m demo_app.platform.mailbox --port 1025
    SMTP_HOST=127.0.0.1 SMTP_PORT=1025 python -m demo_app serve
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:  # noqa: N802
        self.sink._began()
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)  # a slow mail server, before any data moves
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # noqa: N802
        if address in self.sink.reject:
            return f"550 No mailbox here by the name {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.sink._receive(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now (aiosmtpd and uvicorn cannot bind port 0 and report it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class MailSink:
    """An aiosmtpd server on a loopback port that records what it receives."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int | None = None,
        on_message: Callable[[ReceivedMail], None] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.on_message = on_message
        self.messages: list[ReceivedMail] = []
        self.conversations = 0  # sends that reached MAIL FROM (delivered or not)
        self.delay = delay  # seconds to wait before accepting each message
        self.reject: set[str] = set()  # recipients refused with 550
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    def _began(self) -> None:
        with self._changed:
            self.conversations += 1
            self._changed.notify_all()

    def _receive(self, mail: ReceivedMail) -> None:
        with self._changed:
            self.messages.append(mail)
            self._changed.notify_all()
        if self.on_message:
            self.on_message(mail)

    def start(self) -> MailSink:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for_conversations(self, count: int, timeout: float = 10.0) -> None:
        """Block until at least `count` sends reached MAIL FROM: each is mid-conversation
        (held there `delay` seconds), or past it."""
        self._wait_until(lambda: self.conversations, count, "sends", timeout)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived; raise TimeoutError otherwise."""
        self._wait_until(lambda: len(self.messages), count, "messages", timeout)
        return list(self.messages)

    def _wait_until(self, seen: Callable[[], int], count: int, what: str, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: seen() >= count, timeout):
                raise TimeoutError(f"{seen()} of {count} {what} after {timeout}s")


def print_mail(mail: ReceivedMail) -> None:
    print(f"📬 to={','.join(mail.rcpt_tos)} subject={mail.subject!r}", flush=True)
    print("   " + mail.text.strip().replace("\n", "\n   "), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a local SMTP sink that prints every message.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    args = parser.parse_args(argv)
    with MailSink(args.host, args.port, on_message=print_mail):
        print(f"SMTP sink listening on {args.host}:{args.port} (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
