"""The production shape, on one machine: web processes, Celery workers, Redis, PostgreSQL.

Two uvicorn worker processes (TASK_BACKEND=celery) and two Celery worker processes share
one PostgreSQL database; Redis carries only run ids. Registrations made through the web
processes are each delivered once, by a worker process: the run records are the one place
every process reads and writes, which a SQLite file on one machine could not be.
"""

from __future__ import annotations

import pytest

from guide.live.celery import celery_stack
from tests.calls import register
from tests.records import query, wait_until
from tests.support import new_postgres_database

pytestmark = pytest.mark.live

USERS = 20


def test_registrations_through_two_web_processes_are_delivered_once_by_celery_workers(
    redis_server,
    postgres,
):
    database = {"DATABASE_URL": new_postgres_database(postgres)}
    with celery_stack(redis_server, database, workers=2, args=["--workers", "2"]) as stack:
        stack.app.server.wait_for_lines("Application startup complete", 2, timeout=60)
        names = [f"pg{n}" for n in range(USERS)]
        assert [register(stack.url, name).status_code for name in names] == [201] * USERS
        welcome = "SELECT status, attempt, claimed_by FROM task_runs WHERE name = ?"
        runs = wait_until(
            lambda: (
                (found := query(stack.app, welcome, "send_welcome_email"))
                and len(found) == USERS
                and all(status == "succeeded" for status, _, _ in found)
                and found
            ),
            timeout=60,
        )
        sent = "task send_welcome_email succeeded"
        by_worker = {w.name: w.output().count(sent) for w in stack.workers}
        web_output = stack.app.server.output()
        recipients = sorted(m.rcpt_tos[0] for m in stack.mail.messages)
    assert recipients == sorted(f"{name}@example.com" for name in names)  # each once
    assert {attempt for _, attempt, _ in runs} == {1}
    assert sum(by_worker.values()) == USERS  # every one sent by a Celery worker...
    assert sent not in web_output  # ...none by the web processes
    print(f"{USERS} registrations, 2 web processes, sent by workers: {by_worker}")
