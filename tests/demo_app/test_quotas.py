"""Per-user quotas: emails a user's actions cause, uploads and bytes.

Counted from the database rows, so they hold across restarts and processes; past one the
answer is 429 with Retry-After, and nothing is written, scheduled or kept on disk.
"""

from __future__ import annotations

import os
import sqlite3
from asyncio import gather
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from demo_app import db
from demo_app.config import get_settings
from demo_app.lesson.tasks import send_item_notification
from demo_app.models import AuditLog, Item, TaskRun, Upload, User
from demo_app.platform.quotas import check_email_quota
from demo_app.runs.queue import new_run
from guide.live import FAST_HASHING, PASSWORD, demo_stack
from tests.demo_app.support import (
    admin_headers,
    plan_of,
    reader,
    register,
    rows,
    statements_sent,
    user_headers,
)


@pytest.fixture
def quota(monkeypatch):
    """Set quotas for this test (the harness lifts them for every throwaway stack)."""

    def set_quota(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()

    return set_quota


def assert_quota_refusal(response: httpx.Response, what: str, longest: int = 3600) -> int:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert retry_after in range(1, longest + 1)
    detail = response.json()["detail"]
    assert f"Quota reached: {what}" in detail and f"try again in {retry_after} s" in detail
    return retry_after


async def test_emails_per_hour_stop_at_the_quota_and_a_429_writes_nothing(client, mail, quota):
    quota(quota_emails_per_hour=4)
    headers = await user_headers(client, "shop")  # the welcome email: 1 of 4
    items = client.post("/api/v1/items", json={"title": "Buy now"}, headers=headers)
    item = (await items).json()
    url = f"/api/v1/items/{item['id']}"
    assert (await client.put(url, json={"title": "Cheap"}, headers=headers)).status_code == 200
    assert (await client.put(url, json={"is_completed": True}, headers=headers)).status_code == 200
    runs_before = len(await rows(TaskRun))
    # Welcome, created, updated, completed (and the first-completion badge, sent once ever).
    sent_before = len(mail.to("shop@example.com"))

    refused = [
        await client.post("/api/v1/items", json={"title": "Spam"}, headers=headers),
        await client.put(url, json={"title": "Spam"}, headers=headers),
        await client.put(url, json={"is_completed": False}, headers=headers),
        await client.delete(url, headers=headers),
    ]
    for response in refused:
        assert_quota_refusal(response, "4 emails per hour")
    # Nothing written, nothing scheduled: the item is as it was, no new run, no email.
    [stored] = await rows(Item)
    assert (stored.title, stored.is_completed, stored.deleted_at) == ("Cheap", True, None)
    assert stored.version == 3
    assert len(await rows(TaskRun)) == runs_before
    assert len(await rows(AuditLog, AuditLog.action == "DELETE_ITEM")) == 0
    assert len(mail.to("shop@example.com")) == sent_before
    # Reading is not limited, and neither is another user.
    assert (await client.get(url, headers=headers)).status_code == 200
    other = await user_headers(client, "other")
    response = await client.post("/api/v1/items", json={"title": "Mine"}, headers=other)
    assert response.status_code == 201


async def test_the_quota_frees_up_an_hour_after_and_retry_after_says_when(client, mail, quota):
    quota(quota_emails_per_hour=2)
    headers = await user_headers(client, "ann")
    assert (await client.post("/api/v1/items", json={"title": "a"}, headers=headers)).is_success
    refused = await client.post("/api/v1/items", json={"title": "b"}, headers=headers)
    assert 3590 <= assert_quota_refusal(refused, "2 emails per hour") <= 3600
    # The welcome email is 50 minutes old, the first notification 10: one slot in 10 min.
    async with db.session() as session:
        now = (await rows(TaskRun, TaskRun.name == "send_item_notification"))[0].queued_at
        for name, age in (("send_welcome_email", 50), ("send_item_notification", 10)):
            moved = update(TaskRun).where(TaskRun.name == name)
            await session.exec(moved.values(queued_at=now - timedelta(minutes=age)))
        await session.commit()
    refused = await client.post("/api/v1/items", json={"title": "b"}, headers=headers)
    assert 590 <= assert_quota_refusal(refused, "2 emails per hour") <= 600
    async with db.session() as session:  # an hour and more: no longer counted
        welcome = update(TaskRun).where(TaskRun.name == "send_welcome_email")
        await session.exec(welcome.values(queued_at=now - timedelta(minutes=61)))
        await session.commit()
    assert (await client.post("/api/v1/items", json={"title": "b"}, headers=headers)).is_success


async def test_registration_counts_the_welcome_email_for_the_address(client, mail, quota):
    quota(quota_emails_per_hour=0)
    payload = {"username": "new", "email": "stranger@example.com", "password": PASSWORD}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert_quota_refusal(response, "0 emails per hour")
    assert await rows(User) == [] and await rows(TaskRun) == []
    assert mail.messages == []


async def test_runs_another_process_recorded_count_too(client, mail, quota):
    """The count is of rows, not of this process's memory: emails that another worker
    process (or this one before a restart) scheduled for the address count the same."""
    quota(quota_emails_per_hour=3)
    headers = await user_headers(client, "ann")  # 1 of 3
    async with db.session() as session:
        for version in (1, 2):
            run = new_run(
                send_item_notification, "ann@example.com", "ann", "a", "created", 99, version
            )
            run.claimed_by = "elsewhere"
            session.add(run)
        await session.commit()
    response = await client.post("/api/v1/items", json={"title": "a"}, headers=headers)
    assert_quota_refusal(response, "3 emails per hour")


async def test_the_email_quota_reads_one_address_runs_through_its_index(client, mail, quota):
    """What the check costs does not grow with everyone's mail: it reads the address's
    runs of the hour from the (recipient, queued_at) index, no other run's arguments."""
    await register(client, "ann")
    async with db.session() as session:
        with statements_sent() as statements:
            await check_email_quota(session, "ann@example.com")
    [(statement, parameters)] = statements
    plan = await plan_of(statement, parameters)
    assert "ix_task_runs_recipient_queued_at" in plan, plan
    # searched by the address, not walked whole (SQLite's and PostgreSQL's wording)
    assert "(recipient=?" in plan or "Index Cond: ((recipient = " in plan, plan


async def test_the_newsletter_is_not_counted_against_a_subscriber(client, mail, quota):
    quota(quota_emails_per_hour=1)
    await reader(client, mail, "reader")  # the welcome email: 1 of 1
    admin = await admin_headers(client)
    letter = {"subject": "News", "body": "Hello"}
    response = await client.post("/api/v1/send-newsletter", json=letter, headers=admin)
    assert response.status_code == 202
    assert "News" in [m.subject for m in mail.to("reader@example.com")]


async def upload(client, headers, content: bytes):
    files = {"file": ("notes.txt", content, "text/plain")}
    return await client.post("/api/v1/uploads", files=files, headers=headers)


async def test_uploads_per_hour_stop_at_the_quota(client, env, quota):
    quota(quota_uploads_per_hour=2)
    headers = await user_headers(client, "john")
    for _ in range(2):
        assert (await upload(client, headers, b"words here")).status_code == 202
    assert_quota_refusal(await upload(client, headers, b"more"), "2 uploads per hour")
    assert len(await rows(Upload)) == 2 and len(os.listdir(env["UPLOAD_DIR"])) == 2
    other = await user_headers(client, "eve")
    assert (await upload(client, other, b"mine")).status_code == 202


async def test_stored_bytes_stop_at_the_quota_and_a_refused_file_is_removed(client, env, quota):
    quota(quota_upload_bytes=100)
    headers = await user_headers(client, "john")
    assert (await upload(client, headers, b"x" * 60)).status_code == 202
    # 60 + 50 > 100: read, refused, removed from disk.
    days = get_settings().retention_days
    refused = await upload(client, headers, b"y" * 50)
    retry_after = assert_quota_refusal(refused, "100 bytes", longest=days * 86400)
    assert retry_after > (days - 1) * 86400  # freed when cleanup removes the first one
    assert [u.size_bytes for u in await rows(Upload)] == [60]
    assert len(os.listdir(env["UPLOAD_DIR"])) == 1
    assert (await upload(client, headers, b"z" * 40)).status_code == 202  # exactly 100
    # Full: refused before a byte is read.
    assert_quota_refusal(await upload(client, headers, b"!"), "100 bytes", longest=days * 86400)
    assert len(await rows(Upload)) == 2 and len(os.listdir(env["UPLOAD_DIR"])) == 2


# Many requests of one user at once: each quota holds, because the check and the write it
# allows are one step (quotas.hold_quota). Counted, then written, 30 uploads at once stored
# 22 files against a quota of 20, and 40 item creations queued 26 emails against 19.
async def test_uploads_at_once_stop_at_the_count_quota(client, env, quota):
    quota(quota_uploads_per_hour=5)
    headers = await user_headers(client, "john")
    answers = await gather(*(upload(client, headers, b"words here") for _ in range(15)))
    assert sorted(r.status_code for r in answers) == [202] * 5 + [429] * 10
    assert len(await rows(Upload)) == 5 and len(os.listdir(env["UPLOAD_DIR"])) == 5


async def test_uploads_at_once_stop_at_the_bytes_quota(client, env, quota):
    quota(quota_upload_bytes=1000)
    headers = await user_headers(client, "john")
    answers = await gather(*(upload(client, headers, b"x" * 300) for _ in range(10)))
    assert sorted(r.status_code for r in answers) == [202] * 3 + [429] * 7
    assert sum(u.size_bytes for u in await rows(Upload)) == 900
    assert len(os.listdir(env["UPLOAD_DIR"])) == 3  # refused files removed


async def test_item_creations_at_once_stop_at_the_email_quota(client, mail, quota):
    quota(quota_emails_per_hour=5)
    headers = await user_headers(client, "john")  # the welcome email is one of the five
    create = {"title": "at once"}
    answers = await gather(
        *(client.post("/api/v1/items", json=create, headers=headers) for _ in range(12))
    )
    assert sorted(r.status_code for r in answers) == [201] * 4 + [429] * 8
    emails = await rows(TaskRun, TaskRun.name == "send_item_notification")
    assert len(emails) == 4 and len(await rows(Item)) == 4


@pytest.mark.live
def test_live_a_new_account_cannot_make_the_app_mail_a_stranger_past_the_quota():
    """The spam scenario on a real server: an account named like a shop, with
    a stranger's address, creating and editing items with the attacker's text."""
    with demo_stack(FAST_HASHING | {"QUOTA_EMAILS_PER_HOUR": "5"}) as stack:
        base = f"{stack.url}/api/v1"
        victim = "stranger@example.com"
        user = {"username": "BestShop", "email": victim, "password": PASSWORD}
        assert httpx.post(f"{base}/auth/register", json=user).status_code == 201
        form = {"username": "BestShop", "password": PASSWORD}
        token = httpx.post(f"{base}/auth/login", data=form).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        statuses = []
        for n in range(10):
            spam = {"title": f"Claim your prize {n}: http://evil.example"}
            response = httpx.post(f"{base}/items", json=spam, headers=auth)
            statuses.append(response.status_code)
        assert statuses == [201] * 4 + [429] * 6, statuses
        assert int(response.headers["Retry-After"]) > 3500
        stack.mail.wait_for(5, timeout=20)
        # No more can come: the refused requests recorded no run (the runs are the outbox).
        with sqlite3.connect(stack.workdir / "demo.db") as database:
            query = "SELECT name, count(*) FROM task_runs WHERE name LIKE 'send_%' GROUP BY name"
            runs = dict(database.execute(query).fetchall())
        assert runs == {"send_welcome_email": 1, "send_item_notification": 4}
        print(f"{len(stack.mail.to(victim))} emails to the stranger for 1 + 10 attempts")
        assert len(stack.mail.to(victim)) == 5
