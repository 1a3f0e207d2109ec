"""Failure capture, retry and recovery, in-process: the scheduler's steps driven by hand."""

import asyncio
from datetime import timedelta

import pytest

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import AuditLog, EmailDelivery, TaskRun, utcnow
from demo_app.runs import routes, scheduler
from demo_app.runs.queue import instance_id
from demo_app.runs.runner import run_task
from tests.demo_app.support import admin_headers, register, rows, user_headers
from tests.records import eventually


@pytest.fixture
def fast_retries(env, monkeypatch):
    monkeypatch.setenv("TASK_RETRY_BASE_SECONDS", "0")
    monkeypatch.setenv("TASK_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()


async def drain_retries(rounds: int = 10) -> int:
    """What the scheduler's tick does, until nothing is due. Returns the runs started."""
    started = 0
    for _ in range(rounds):
        due = await scheduler.due_runs()
        if not due:
            break
        for run_id in due:
            await run_task(run_id)
        started += len(due)
    return started


async def test_a_task_that_always_fails_ends_dead_without_stopping_the_others(
    client, mail, fast_retries
):
    mail.reject.add("doomed@example.com")
    await register(client, "doomed")
    [audit] = await rows(AuditLog, AuditLog.action == "REGISTER")  # the next task still ran
    [run] = await rows(TaskRun, TaskRun.name == "send_welcome_email")
    assert (run.status, run.attempt, run.error_type) == ("retrying", 1, "SMTPRecipientsRefused")
    assert await drain_retries() == 2
    [run] = await rows(TaskRun, TaskRun.name == "send_welcome_email")
    assert (run.status, run.attempt) == ("dead", 3)
    assert "doomed@example.com" in run.error_message and "Traceback" in run.error_traceback

    admin = await admin_headers(client)
    listed = await client.get("/api/v1/tasks", params={"status": "dead"}, headers=admin)
    assert [r["id"] for r in listed.json()] == [run.id]
    for unknown in ("deadish", "dead|queued", "DEAD"):  # a closed set: anything else is a 422
        refused = await client.get("/api/v1/tasks", params={"status": unknown}, headers=admin)
        assert refused.status_code == 422, unknown
    stats = {s["name"]: s for s in (await client.get("/api/v1/tasks/stats", headers=admin)).json()}
    assert stats["send_welcome_email"]["counts"]["dead"] == 1
    assert stats["send_welcome_email"]["success_rate"] == 0.5  # admin's welcome succeeded
    assert stats["log_user_action"]["success_rate"] == 1.0
    assert stats["log_user_action"]["p50_ms"] > 0


async def test_an_admin_can_retry_a_dead_run_by_hand(client, mail, fast_retries):
    mail.reject.add("doomed@example.com")
    await register(client, "doomed")
    await drain_retries()
    [run] = await rows(TaskRun, TaskRun.name == "send_welcome_email", TaskRun.status == "dead")
    user = await user_headers(client, "someone")
    assert (await client.post(f"/api/v1/tasks/{run.id}/retry", headers=user)).status_code == 403
    admin = await admin_headers(client)
    mail.reject.clear()
    response = await client.post(f"/api/v1/tasks/{run.id}/retry", headers=admin)
    assert response.status_code == 202
    [run] = await rows(TaskRun, TaskRun.id == run.id)
    assert run.status == "succeeded"
    assert len(mail.to("doomed@example.com")) == 1
    again = await client.post(f"/api/v1/tasks/{run.id}/retry", headers=admin)
    assert again.status_code == 409
    assert (await client.post(f"/api/v1/tasks/{'0' * 32}/retry", headers=admin)).status_code == 404


@pytest.mark.slow  # waits out real retry delays
async def test_smtp_down_for_50_notifications_then_up_delivers_each_once(
    client, mail, fast_retries
):
    headers = await user_headers(client, "busy")
    mail.stop()  # the mail server goes down
    for n in range(50):
        response = await client.post("/api/v1/items", json={"title": f"i{n}"}, headers=headers)
        assert response.status_code == 201  # the API does not care
    waiting = await rows(TaskRun, TaskRun.name == "send_item_notification")
    assert len(waiting) == 50 and {r.status for r in waiting} == {"retrying"}
    mail.start()  # back up, same port
    await drain_retries()
    notices = [m for m in mail.messages if m.subject == "Your item was created"]
    titles = [m.text.split('"')[1] for m in notices]  # Your item "i7" was created.
    assert sorted(titles) == sorted(f"i{n}" for n in range(50))
    assert await drain_retries() == 0
    done = await rows(TaskRun, TaskRun.name == "send_item_notification")
    assert {r.status for r in done} == {"succeeded"} and {r.attempt for r in done} == {2}


async def test_a_run_is_never_run_twice_at_once(client, mail, fast_retries):
    await register(client, "ann")
    [run] = await rows(TaskRun, TaskRun.name == "send_welcome_email")
    from sqlalchemy import update

    from demo_app import db

    async with db.session() as session:  # pretend it must run again
        await session.exec(update(TaskRun).values(status="interrupted"))
        await session.commit()
    results = await asyncio.gather(*(run_task(run.id) for _ in range(5)))
    assert results.count("succeeded") + results.count("running") == 5
    assert len(mail.to("ann@example.com")) == 1
    assert len(await rows(EmailDelivery)) == 1


async def test_runs_of_a_process_that_died_are_interrupted_then_rerun(client, mail, env):
    await register(client, "ann")
    from sqlalchemy import update

    from demo_app import db

    async with db.session() as session:  # as if a dead process had claimed them
        await session.exec(update(TaskRun).values(status="running", claimed_by="dead-process"))
        await session.commit()
    await scheduler.heartbeat()
    assert await scheduler.recover_interrupted() == 2
    assert {r.status for r in await rows(TaskRun)} == {"interrupted"}
    await drain_retries()
    assert {r.status for r in await rows(TaskRun)} == {"succeeded"}
    assert len(mail.to("ann@example.com")) == 1  # the key was recorded: not sent twice
    # our own running runs are left alone while our heartbeat is fresh
    async with db.session() as session:
        await session.exec(update(TaskRun).values(status="running", claimed_by=instance_id()))
        await session.commit()
    assert await scheduler.recover_interrupted() == 0


async def test_only_one_process_holds_the_cleanup_lease(app, monkeypatch):
    results = await asyncio.gather(*(scheduler.acquire_lease("job", 60) for _ in range(10)))
    assert results.count(True) == 1
    assert await scheduler.acquire_lease("job", 60) is False
    assert await scheduler.acquire_lease("other", 0) is True
    assert await scheduler.acquire_lease("other", 0) is True  # expired: taken again


async def test_scheduled_cleanup_is_recorded_as_a_run(app):
    assert await scheduler.run_cleanup_if_leased() == "succeeded"
    assert await scheduler.run_cleanup_if_leased() is None  # lease held for the interval
    [run] = await rows(TaskRun, TaskRun.name == "cleanup_old_data")
    assert {"items", "uploads", "task_runs"} <= set(run.result)  # a count per table...
    assert set(run.result.values()) == {0}  # ...and nothing old yet


async def test_health_reports_database_and_waiting_runs(client, mail, fast_retries):
    mail.reject.add("doomed@example.com")
    await register(client, "doomed")
    report = (await client.get("/health")).json()
    assert report == {
        "database": "ok",
        "scheduler": "not running",
        "runs_waiting_for_retry": 1,
        "dead_runs": 0,
        "status": "ok",
    }


async def test_health_names_an_unreachable_broker():
    from demo_app.platform.health import broker_status
    from demo_app.platform.mailbox import free_port

    status = await broker_status(f"redis://127.0.0.1:{free_port()}/0")
    assert status.startswith("unreachable: ")


async def test_recovered_runs_of_one_request_run_one_after_another(client, mail):
    from sqlalchemy import update

    from demo_app import db

    await register(client, "ann")  # two runs: the welcome email, then the audit row
    async with db.session() as session:
        await session.exec(update(TaskRun).values(status="interrupted", next_attempt_at=None))
        await session.exec(update(TaskRun).values(next_attempt_at=TaskRun.queued_at))
        await session.commit()
    mail.delay = 0.3  # the first run takes a while: would the second start meanwhile?
    runner = scheduler.Scheduler()
    await runner.tick()
    await runner.tick()  # a second tick while the first group runs starts nothing new
    await asyncio.gather(*runner._running)
    runs = await rows(TaskRun, TaskRun.name != "cleanup_old_data")  # the tick also cleans up
    email, audit = sorted(runs, key=lambda r: r.queued_at)
    assert (email.name, audit.name) == ("send_welcome_email", "log_user_action")
    assert email.status == audit.status == "succeeded" and email.attempt == audit.attempt == 2
    assert audit.started_at >= email.finished_at


@pytest.mark.slow  # waits out real retry delays
async def test_a_scheduler_waiting_on_the_database_is_alive_a_failing_one_is_not(
    app, client, monkeypatch
):
    """Under load every query waits its turn, the scheduler's ticks too: that is no reason
    for /health to send a load balancer away. Ticks that fail, or a loop that stopped, are."""
    from sqlalchemy import text, update

    from demo_app import db
    from demo_app.models import AppInstance

    monkeypatch.setenv("SCHEDULER_POLL_SECONDS", "0.05")
    get_settings.cache_clear()
    window = scheduler.tick_window().total_seconds()  # no tick for this long, none waiting
    sched = app.state.scheduler = scheduler.Scheduler()
    await sched.start()
    try:
        await eventually(lambda: sched.state == "alive")
        # Hold the writes the next tick makes, for twice the window: the tick waits.
        async with db.engine().connect() as holder:
            if holder.dialect.name == "postgresql":
                await holder.execute(text("LOCK TABLE app_instances IN EXCLUSIVE MODE"))
            else:  # SQLite: any uncommitted write holds the one write lock
                await holder.execute(
                    update(AppInstance).values(heartbeat_at=AppInstance.heartbeat_at)
                )
            await asyncio.sleep(window)  # a tick past its writes when the lock came has ended
            ended = sched.last_tick
            await asyncio.sleep(2 * window)
            assert sched.last_tick == ended  # no tick ended since: one is waiting
            assert utcnow() - ended > timedelta(seconds=window)  # longer than the window
            response = await client.get("/health")
            assert (response.status_code, response.json()["scheduler"]) == (200, "alive")
            with monkeypatch.context() as shorter:  # a tick waiting longer than this: stuck
                shorter.setattr(scheduler, "TICK_STUCK_SECONDS", 2 * window)
                assert sched.state == "failing"
            await holder.rollback()
        await eventually(lambda: sched.last_tick != ended)  # the tick that waited ends
        # A tick that fails (here: the table it writes first is gone) is no sign of life.
        async with db.engine().begin() as conn:
            await conn.execute(text("ALTER TABLE app_instances RENAME TO app_instances_away"))
        try:
            await eventually(lambda: sched.state == "failing", window + 5)
            response = await client.get("/health")
            assert (response.status_code, response.json()["scheduler"]) == (503, "failing")
        finally:
            async with db.engine().begin() as conn:
                await conn.execute(text("ALTER TABLE app_instances_away RENAME TO app_instances"))
        await eventually(lambda: sched.state == "alive")
    finally:
        await sched.stop()
    assert sched.state == "not running"  # at once, not a window later
    response = await client.get("/health")
    assert (response.status_code, response.json()["status"]) == (503, "unhealthy")


async def test_stats_count_every_run_and_take_durations_from_the_latest_successes(
    client, monkeypatch
):
    """Counted in SQL, whatever the number of runs; the percentiles over a task's latest
    STATS_WINDOW succeeded runs, so an old slow spell leaves them."""
    monkeypatch.setattr(routes, "STATS_WINDOW", 3)
    start = utcnow() - timedelta(hours=1)
    durations = [900.0, 900.0, 900.0, 10.0, 20.0, 30.0]  # slow long ago, fast lately
    runs = [
        TaskRun(
            name="reindex",
            args={},
            status="succeeded",
            duration_ms=duration,
            queued_at=start + timedelta(minutes=n),
        )
        for n, duration in enumerate(durations)
    ]
    runs.append(TaskRun(name="reindex", args={}, status="dead", queued_at=start))
    async with db.session() as session:
        session.add_all(runs)
        await session.commit()
    admin = await admin_headers(client)
    stats = {s["name"]: s for s in (await client.get("/api/v1/tasks/stats", headers=admin)).json()}
    reindex = stats["reindex"]
    assert reindex["counts"] == {"succeeded": 6, "dead": 1}
    assert reindex["success_rate"] == round(6 / 7, 4)
    assert reindex["p50_ms"] == 20.0 and reindex["p95_ms"] < 30.0 + 1e-9
