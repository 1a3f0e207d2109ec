"""The tasks themselves, called directly: each does its real job and is safe to run twice."""

from datetime import timedelta

import pytest

from demo_app import db
from demo_app.lesson import tasks
from demo_app.models import Achievement, AuditLog, Item, TaskRun, User, utcnow
from demo_app.runs import retention
from demo_app.runs.backend import dispatch_inprocess
from demo_app.runs.queue import TaskQueue, new_run, stored_arguments, task
from tests.demo_app.support import rows


async def add(*objects):
    async with db.session() as session:
        session.add_all(objects)
        await session.commit()


async def test_welcome_email_is_sent_once_however_often_it_runs(app, mail):
    assert await tasks.send_welcome_email("ann@example.com", "ann") is True
    assert await tasks.send_welcome_email("ann@example.com", "ann") is False
    assert len(mail.messages) == 1


async def test_audit_row_is_written_once_per_run(app):
    from demo_app.platform.context import run_id_var

    run_id_var.set("run-1")  # what run_task does for each run
    for _ in range(2):  # a rerun of one run: one row
        await tasks.log_user_action("ann", "LOGIN", None, request_id="r1")
    run_id_var.set("run-2")  # another run with the same (client-chosen) request id: a row
    await tasks.log_user_action("ann", "LOGIN", None, request_id="r1")
    assert [(a.run_id, a.request_id) for a in await rows(AuditLog)] == [
        ("run-1", "r1"),
        ("run-2", "r1"),
    ]
    with pytest.raises(ValueError, match="unknown audit action"):
        await tasks.log_user_action("ann", "DANCE")


async def test_item_notification_is_once_per_version_and_type(app, mail):
    args = ("ann@example.com", "ann", "Title", "updated", 1)
    await tasks.send_item_notification(*args, item_version=2)
    await tasks.send_item_notification(*args, item_version=2)
    await tasks.send_item_notification(*args, item_version=3)
    assert len(mail.messages) == 2
    with pytest.raises(ValueError):
        await tasks.send_item_notification("a@example.com", "a", "T", "exploded", 1, 1)


async def test_completion_awards_streak_badges_once(app, mail):
    await add(User(username="ann", email="ann@example.com", hashed_password="x"))
    today = utcnow()
    await add(
        *[
            Item(
                owner_id=1,
                title=f"day {n}",
                is_completed=True,
                completed_at=today - timedelta(days=n),
            )
            for n in range(3)
        ]
    )
    first = await tasks.process_item_completion(1, "ann", "day 0")
    again = await tasks.process_item_completion(1, "ann", "day 0")
    assert set(first) == {"first-completion", "streak-3"} and again == []
    assert len(await rows(Achievement)) == 2
    assert sum(m.subject.startswith("Achievement") for m in mail.messages) == 2


def test_streak_counts_consecutive_days_back_from_the_last():
    day = utcnow().date()
    days = {day, day - timedelta(days=1), day - timedelta(days=3)}
    assert tasks.streak_ending_at(days, day) == 2


async def test_cleanup_purges_only_what_is_past_retention(app):
    old = utcnow() - timedelta(days=31)
    await add(User(username="ann", email="ann@example.com", hashed_password="x"))
    await add(
        Item(owner_id=1, title="old, deleted", deleted_at=old),
        Item(owner_id=1, title="recently deleted", deleted_at=utcnow()),
        Item(owner_id=1, title="old, alive", created_at=old),
        AuditLog(username="ann", action="LOGIN", created_at=old),
        AuditLog(username="ann", action="LOGIN", request_id="new"),
        TaskRun(name="x", status="succeeded", finished_at=old),
        TaskRun(name="x", status="dead", finished_at=old),
    )
    removed = await retention.cleanup_old_data()  # the other tables: test_retention.py
    some = ("items", "audit_logs", "request_records", "task_runs")
    assert [removed[name] for name in some] == [1, 1, 0, 1]  # the dead run is kept longer
    assert sorted(i.title for i in await rows(Item)) == ["old, alive", "recently deleted"]
    assert set((await retention.cleanup_old_data()).values()) == {0}


async def test_batch_reports_counts_and_retries_only_the_failed(app, mail):
    mail.reject.add("bad@example.com")
    recipients = ["a@example.com", "bad@example.com", "b@example.com"]
    with pytest.raises(tasks.BatchIncomplete, match="1 of 3 failed"):
        await tasks.send_batch_email(recipients, "S", "B", "batch-1")
    mail.reject.clear()
    counts = await tasks.send_batch_email(recipients, "S", "B", "batch-1")
    assert counts == {"sent": 1, "already_sent": 2, "failed": 0}
    assert sorted(m.rcpt_tos[0] for m in mail.messages) == sorted(recipients)


async def test_without_smtp_host_emails_are_printed(app, monkeypatch, capsys, mail):
    monkeypatch.delenv("SMTP_HOST")
    from demo_app.config import get_settings

    get_settings.cache_clear()
    await tasks.send_welcome_email("ann@example.com", "ann")
    out = capsys.readouterr().out
    subject = "Welcome to the guide demo: confirm your address"
    assert f"📧 [EMAIL] to=a***@example.com subject={subject!r}" in out
    assert "/api/v1/auth/verify?token=" in out  # the link is printed with the body
    assert mail.messages == []


def test_secrets_are_never_stored_as_task_arguments():
    def reset_password(email: str, new_password: str) -> None: ...

    with pytest.raises(ValueError, match="never pass secrets"):
        stored_arguments(reset_password, ("a@example.com", "hunter2"), {})
    queue = TaskQueue(background_tasks=None, session=None, dispatch=dispatch_inprocess)
    with pytest.raises(ValueError, match="not a registered task"):
        queue.add_task(reset_password, "a@example.com", "x")


def test_an_email_task_run_records_its_recipient_and_other_runs_none():
    welcome = new_run(tasks.send_welcome_email, username="ann", email="ann@example.com")
    audit = new_run(tasks.log_user_action, "ann", "login")
    assert (welcome.recipient, audit.recipient) == ("ann@example.com", None)
    with pytest.raises(TypeError, match="has no parameter 'to'"):
        task(recipient="to")(tasks.send_welcome_email)


async def test_two_runs_awarding_the_same_badge_send_one_email(app, mail):
    import asyncio

    from demo_app.platform.context import run_id_var

    await add(User(username="ann", email="ann@example.com", hashed_password="x"))
    await add(Item(owner_id=1, title="done", is_completed=True, completed_at=utcnow()))

    async def as_run(run_id: str):
        run_id_var.set(run_id)  # what run_task does for each run
        return await tasks.process_item_completion(1, "ann", "done")

    mail.delay = 0.2  # both runs are inside send_email at the same time
    await asyncio.gather(*(as_run(f"run-{n}") for n in range(4)))
    assert [m.subject for m in mail.messages] == ["Achievement unlocked: First step"]


async def test_a_retry_of_the_same_run_sends_what_a_failed_attempt_did_not(app, mail):
    from demo_app.platform.context import run_id_var

    run_id_var.set("run-1")
    mail.stop()
    with pytest.raises(OSError):
        await tasks.send_welcome_email("ann@example.com", "ann")
    mail.start()
    assert await tasks.send_welcome_email("ann@example.com", "ann") is True
    run_id_var.set("run-2")  # another run: the email is sent, nothing to do
    assert await tasks.send_welcome_email("ann@example.com", "ann") is False
    assert len(mail.messages) == 1
