"""The demo's idempotency key makes a second execution of a run skip an email the first
one sent, and stops another run from sending the same key. A second execution of the
*same* run (a retry, or a run taken over from a process thought gone, which may still be
sending) does not take an unsent claim until a send it may have started must be over
(SMTP_SEND_LIMIT_SECONDS, which also bounds every send): before that it is told to retry
then, so two executions of one run never send at the same time."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from demo_app import db
from demo_app.config import get_settings
from demo_app.models import EmailDelivery, utcnow
from demo_app.platform.context import run_id_var
from demo_app.runs import deliveries
from demo_app.runs.queue import RetryLater

CLAIM = "email-claim-waits-for-a-send-in-flight"
KEY = "welcome:alice"


async def claim_as(run_id: str) -> bool | RetryLater:
    run_id_var.set(run_id)
    try:
        return await deliveries.claim_delivery(KEY, "alice@example.com", "Welcome")
    except RetryLater as wait:
        return wait


async def age_the_claim(seconds: float) -> None:
    async with db.session() as session:
        claimed = utcnow() - timedelta(seconds=seconds)
        await session.exec(update(EmailDelivery).values(claimed_at=claimed))
        await session.commit()


async def claims(database: Path) -> dict[str, object]:
    db.configure(f"sqlite+aiosqlite:///{database}")
    await db.prepare()
    limit = get_settings().smtp_send_limit_seconds
    found: dict[str, object] = {}
    try:
        found["first execution"] = await claim_as("run-1")
        found["second execution, same run, send maybe in flight"] = await claim_as("run-1")
        found["another run"] = await claim_as("run-2")
        await age_the_claim(limit + 1)  # any send the first started is over by now
        found["second execution, once a send must be over"] = await claim_as("run-1")
        found["a third, right after"] = await claim_as("run-1")
        await deliveries.finish_delivery(KEY, sent=True)
        found["same run, once sent"] = await claim_as("run-1")
    finally:
        await db.dispose()
    return found


def test_a_second_execution_of_a_run_waits_for_the_first_ones_send(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'runs.db'}")
    get_settings.cache_clear()
    limit = get_settings().smtp_send_limit_seconds
    started = utcnow()
    found = asyncio.run(claims(tmp_path / "runs.db"))
    get_settings.cache_clear()

    waits = {what: v for what, v in found.items() if isinstance(v, RetryLater)}
    assert set(waits) == {
        "second execution, same run, send maybe in flight",
        "a third, right after",
    }
    for wait in waits.values():  # retried when the claim ends: about one limit from now
        assert started + timedelta(seconds=limit - 1) < wait.at
        assert wait.at < utcnow() + timedelta(seconds=limit + 1)
    assert {what: v for what, v in found.items() if what not in waits} == {
        "first execution": True,
        "another run": False,
        "second execution, once a send must be over": True,
        "same run, once sent": False,
    }


@pytest.mark.parametrize("attempt", [1, 5])  # 5: the last attempt, yet not dead
def test_a_run_told_to_retry_later_is_retrying_at_that_moment(attempt):
    from demo_app.models import RunStatus, TaskRun
    from demo_app.runs.runner import record_failure

    at = utcnow() + timedelta(seconds=30)
    run = TaskRun(name="send_welcome_email", attempt=attempt)
    try:
        raise RetryLater(at, "an earlier attempt may still be sending it")
    except RetryLater as wait:
        record_failure(run, wait)
    assert (run.status, run.next_attempt_at) == (RunStatus.RETRYING, at)
