"""SMTP_TLS: STARTTLS whenever the server offers it unless told otherwise, so credentials
(when set) never travel in clear by accident."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib
import pytest
from pydantic import ValidationError

from demo_app.config import Settings, get_settings
from demo_app.lesson.email import deliver


class OffersStartTLS:
    """An SMTP server on 127.0.0.1 that offers STARTTLS, records each command and, when the
    client asks for TLS, answers 454 (it has no certificate): what matters is the asking."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.handlers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> OffersStartTLS:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await asyncio.gather(*self.handlers)  # each ends when its client hangs up
        await self.server.wait_closed()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.append(task)
        try:
            await self.converse(reader, writer)
        finally:
            writer.close()
            await writer.wait_closed()

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 test ESMTP\r\n")
        in_data = False
        while line := await reader.readline():
            text = line.decode().rstrip("\r\n")
            if in_data:
                in_data = text != "."
                if not in_data:
                    writer.write(b"250 queued\r\n")
                continue
            verb = text.split(" ", 1)[0].upper()
            self.commands.append(verb)
            replies = {
                "EHLO": b"250-test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
                "STARTTLS": b"454 4.7.0 TLS not available now\r\n",
                "DATA": b"354 go on\r\n",
                "QUIT": b"221 bye\r\n",
            }
            writer.write(replies.get(verb, b"250 OK\r\n"))
            in_data = verb == "DATA"
            await writer.drain()
            if verb == "QUIT":
                break


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.com", "b@example.com", "hi"
    m.set_content("hello")
    return m


@pytest.fixture
def smtp_env(monkeypatch):
    def use(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    for key in ("SMTP_TLS", "SMTP_USERNAME", "SMTP_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    yield use
    get_settings.cache_clear()


async def test_by_default_the_client_asks_for_starttls_when_offered(smtp_env):
    async with OffersStartTLS() as server:
        smtp_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port))
        with pytest.raises(aiosmtplib.SMTPException):
            await deliver(message())
    assert server.commands[:2] == ["EHLO", "STARTTLS"]
    assert "MAIL" not in server.commands  # nothing went in clear after TLS was offered


async def test_smtp_tls_none_sends_in_clear_to_this_machine(smtp_env):
    async with OffersStartTLS() as server:
        smtp_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port), SMTP_TLS="none")
        await deliver(message())
    assert "STARTTLS" not in server.commands and "DATA" in server.commands


@pytest.mark.parametrize(
    ("env", "use_tls", "start_tls"),
    [
        ({}, False, None),  # STARTTLS when the server offers it
        ({"SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"}, False, True),  # credentials: required
        ({"SMTP_USERNAME": "u", "SMTP_PASSWORD": "p", "SMTP_HOST": "127.0.0.1"}, False, None),
        ({"SMTP_TLS": "starttls"}, False, True),
        ({"SMTP_TLS": "ssl", "SMTP_PORT": "465"}, True, False),
        ({"SMTP_TLS": "none"}, False, False),
    ],
)
def test_smtp_tls_options(monkeypatch, env, use_tls, start_tls):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings(_env_file=None).smtp_tls_options == (use_tls, start_tls)


@pytest.mark.parametrize("host", ["mail.example.com", "10.0.0.5"])
def test_credentials_in_clear_to_another_host_are_refused(monkeypatch, host):
    for key, value in {"SMTP_HOST": host, "SMTP_TLS": "none", "SMTP_PASSWORD": "p"}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="SMTP_TLS=none would send"):
        Settings(_env_file=None, secret_key="k" * 32)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_credentials_in_clear_to_this_machine_are_allowed(monkeypatch, host):
    for key, value in {"SMTP_HOST": host, "SMTP_TLS": "none", "SMTP_PASSWORD": "p"}.items():
        monkeypatch.setenv(key, value)
    assert Settings(_env_file=None, secret_key="k" * 32).smtp_tls_options == (False, False)


def test_an_unknown_smtp_tls_is_refused(monkeypatch):
    monkeypatch.setenv("SMTP_TLS", "yes")
    with pytest.raises(ValidationError, match="smtp_tls"):
        Settings(_env_file=None, secret_key="k" * 32)
