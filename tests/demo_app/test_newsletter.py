import sys

import anyio
import pytest

from demo_app.models import User
from tests.demo_app.support import admin_headers, reader, register, rows, user_headers

LETTER = {"subject": "Release notes", "body": "Background tasks, measured."}


async def test_non_admin_gets_403_and_nothing_is_sent(client, mail):
    headers = await user_headers(client, "john", subscribe=True)
    sent = len(mail.messages)
    response = await client.post("/api/v1/send-newsletter", json=LETTER, headers=headers)
    assert response.status_code == 403
    assert len(mail.messages) == sent


async def test_newsletter_reaches_every_confirmed_subscriber_and_no_one_else(
    client, mail, monkeypatch
):
    monkeypatch.setenv("NEWSLETTER_BATCH_SIZE", "2")
    from demo_app.config import get_settings

    get_settings.cache_clear()
    admin = await admin_headers(client)
    subscribers = [f"reader{n}" for n in range(5)]
    for name in subscribers:
        await reader(client, mail, name)
    await register(client, "quiet", subscribe=False)
    await register(client, "unconfirmed", subscribe=True)
    response = await client.post("/api/v1/send-newsletter", json=LETTER, headers=admin)
    assert response.status_code == 202
    assert response.json()["recipients"] == 5 and response.json()["batches"] == 3
    letters = [m for m in mail.messages if m.subject == "Release notes"]
    assert sorted(m.rcpt_tos[0] for m in letters) == sorted(f"{n}@example.com" for n in subscribers)
    assert "Background tasks, measured." in letters[0].text


async def test_one_refused_recipient_does_not_stop_the_batch(client, mail):
    admin = await admin_headers(client)
    for name in ("ann", "bob", "cid"):
        await reader(client, mail, name)
    mail.reject.add("bob@example.com")
    response = await client.post("/api/v1/send-newsletter", json=LETTER, headers=admin)
    assert response.status_code == 202
    got = sorted(m.rcpt_tos[0] for m in mail.messages if m.subject == "Release notes")
    assert got == ["ann@example.com", "cid@example.com"]


@pytest.mark.live  # runs `python -m demo_app make-admin`
async def test_make_admin_command_grants_rights(client, env):
    await register(client, "boss")
    command = [sys.executable, "-m", "demo_app", "make-admin", "boss"]
    done = await anyio.run_process(command, env=env | _path_env(), check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert "boss is now an admin" in done.stdout.decode()
    [boss] = await rows(User, User.username == "boss")
    assert boss.is_admin
    missing = await anyio.run_process([*command[:-1], "ghost"], env=env | _path_env(), check=False)
    assert missing.returncode == 1 and "register first" in missing.stderr.decode()


def _path_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "PYTHONPATH"}}
