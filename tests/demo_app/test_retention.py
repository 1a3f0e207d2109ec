"""Retention: cleanup removes every table's personal data past its
period, uploads' files with their rows, and is safe to run twice."""

from __future__ import annotations

import os
from datetime import timedelta

import anyio

from demo_app import db
from demo_app.models import (
    EmailDelivery,
    Newsletter,
    RunStatus,
    TaskRun,
    Upload,
    User,
    utcnow,
)
from demo_app.runs import retention
from tests.demo_app.support import rows, user_headers

NOTHING = {
    "items": 0,
    "audit_logs": 0,
    "request_records": 0,
    "task_runs": 0,
    "email_deliveries": 0,
    "newsletters": 0,
    "uploads": 0,
}


async def add(*objects):
    async with db.session() as session:
        session.add_all(objects)
        await session.commit()


def ago(days: float):
    return utcnow() - timedelta(days=days)


async def test_old_uploads_go_with_their_files_and_new_ones_stay(client, env):
    headers = await user_headers(client, "john")
    ids = []
    for name in ("old.txt", "new.txt"):
        files = {"file": (name, b"some words", "text/plain")}
        response = await client.post("/api/v1/uploads", files=files, headers=headers)
        ids.append(response.json()["id"])
    old_id, new_id = ids
    async with db.session() as session:
        upload = await session.get(Upload, old_id)
        assert upload is not None
        upload.created_at = ago(31)
        await session.commit()
    assert sorted(os.listdir(env["UPLOAD_DIR"])) == sorted(ids)

    removed = await retention.cleanup_old_data()
    assert removed["uploads"] == 1
    assert [u.id for u in await rows(Upload)] == [new_id]
    assert os.listdir(env["UPLOAD_DIR"]) == [new_id]
    assert (await client.get(f"/api/v1/uploads/{old_id}", headers=headers)).status_code == 404
    assert await retention.cleanup_old_data() == NOTHING  # twice: nothing more, no error


async def test_a_file_already_gone_does_not_stop_cleanup(app, env):
    """Stopped after removing a file but before its row: the next run finishes the job."""
    await add(User(username="ann", email="ann@example.com", hashed_password="x"))
    await add(
        *(Upload(owner_id=1, filename="a.txt", size_bytes=1, created_at=ago(40)) for _ in "ab")
    )
    folder = anyio.Path(env["UPLOAD_DIR"])
    await folder.mkdir(parents=True, exist_ok=True)
    [_, second] = await rows(Upload)
    await (folder / second.id).touch()  # the first's file is gone already
    assert (await retention.cleanup_old_data())["uploads"] == 2
    assert await rows(Upload) == [] and os.listdir(env["UPLOAD_DIR"]) == []


async def test_failed_and_dead_runs_are_kept_longer_than_succeeded_ones(app):
    tb = "Traceback ... ann@example.com"
    await add(
        TaskRun(name="succeeded 31 d", status=RunStatus.SUCCEEDED, finished_at=ago(31)),
        TaskRun(name="succeeded 1 d", status=RunStatus.SUCCEEDED, finished_at=ago(1)),
        TaskRun(name="dead 31 d", status=RunStatus.DEAD, finished_at=ago(31), error_traceback=tb),
        TaskRun(name="failed 31 d", status=RunStatus.FAILED, finished_at=ago(31)),
        TaskRun(name="dead 91 d", status=RunStatus.DEAD, finished_at=ago(91), error_traceback=tb),
        TaskRun(name="failed 91 d", status=RunStatus.FAILED, finished_at=ago(91)),
        TaskRun(name="retrying 91 d", status=RunStatus.RETRYING, finished_at=ago(91)),
    )
    assert (await retention.cleanup_old_data())["task_runs"] == 3
    left = sorted(r.name for r in await rows(TaskRun))
    assert left == ["dead 31 d", "failed 31 d", "retrying 91 d", "succeeded 1 d"]
    assert await retention.cleanup_old_data() == NOTHING


async def test_old_email_deliveries_and_newsletters_go(app):
    await add(User(username="admin", email="admin@example.com", hashed_password="x"))
    await add(
        TaskRun(id="done", name="send_batch_email", status=RunStatus.SUCCEEDED),
        TaskRun(id="dead", name="send_batch_email", status=RunStatus.DEAD),
        Newsletter(subject="Old", body="b", sent_by=1, created_at=ago(31)),
        Newsletter(subject="New", body="b", sent_by=1),
    )

    def delivery(key: str, run_id: str = "done", days: float = 31) -> EmailDelivery:
        return EmailDelivery(
            idempotency_key=key,
            recipient="ann@example.com",
            subject="s",
            run_id=run_id,
            claimed_at=ago(days),
            sent_at=ago(days),
        )

    await add(
        delivery("newsletter:1:ann@example.com"),  # old, its run done: goes
        delivery("welcome:ann", run_id="gone"),  # old, its run already removed: goes
        delivery("newsletter:2:ann@example.com", days=1),  # recent: stays
        delivery("newsletter:1:bob@example.com", run_id="dead"),  # its run may be retried
        delivery("achievement:1:first-completion"),  # a badge is announced once, ever
    )
    removed = await retention.cleanup_old_data()
    assert (removed["email_deliveries"], removed["newsletters"]) == (2, 1)
    assert sorted(d.idempotency_key for d in await rows(EmailDelivery)) == [
        "achievement:1:first-completion",
        "newsletter:1:bob@example.com",
        "newsletter:2:ann@example.com",
    ]
    assert [n.subject for n in await rows(Newsletter)] == ["New"]
    assert await retention.cleanup_old_data() == NOTHING
