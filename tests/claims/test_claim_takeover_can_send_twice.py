"""The demo's idempotency key makes a second execution of a run skip an email the first
one sent, and stops another run from sending the same key. Two executions of the *same*
run at the same time (a run taken over from a live process) are not told apart: while the
email is not marked sent yet, both get its claim, so both may send it."""

import asyncio
from pathlib import Path

from demo_app import db
from demo_app.context import run_id_var
from demo_app.tasks import email

CLAIM = "takeover-can-send-twice"
KEY = "welcome:alice"


async def claims(database: Path) -> dict[str, bool]:
    db.configure(f"sqlite+aiosqlite:///{database}")
    await db.prepare()
    found = {}

    async def claim_as(run_id: str, what: str) -> None:
        run_id_var.set(run_id)
        found[what] = await email.claim(KEY, "alice@example.com", "Welcome")

    try:
        await claim_as("run-1", "first execution")
        await claim_as("run-1", "second execution, same run, not sent yet")
        await claim_as("run-2", "another run")
        await email.finish(KEY, sent=True)
        await claim_as("run-1", "same run, once sent")
    finally:
        await db.dispose()
    return found


def test_two_executions_of_one_run_both_get_an_unsent_key(tmp_path):
    found = asyncio.run(claims(tmp_path / "runs.db"))
    assert found == {
        "first execution": True,
        "second execution, same run, not sent yet": True,
        "another run": False,
        "same run, once sent": False,
    }
