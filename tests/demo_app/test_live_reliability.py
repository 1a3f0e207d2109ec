"""Reliability on real uvicorn processes: signals, load, several workers, logs, timelines."""

import asyncio
import json
import re
import textwrap
import time
from datetime import UTC, datetime

import httpx
import pytest

from guide import sections
from guide.live import FAST_HASHING, demo_stack
from guide.live.client import new_user
from tests.calls import admin_headers, register
from tests.records import query, wait_until

pytestmark = pytest.mark.live

ENDED = ("succeeded", "failed", "dead")
QUICK_RECOVERY = FAST_HASHING | {
    "SCHEDULER_POLL_SECONDS": "0.2",
    "INSTANCE_STALE_AFTER_SECONDS": "1.5",
    "TASK_RETRY_BASE_SECONDS": "0.2",
}


def logged_lines_in_the_guide() -> list[str]:
    """The log excerpt that section 7 shows (its only ```text block, folded or not)."""
    text = sections.find("7", sections.load()).source()
    return textwrap.dedent(re.search(r"```text\n(.*?)^ *```", text, re.S | re.M)[1]).splitlines()


def assert_lines_in_order(shown: list[str], printed: list[str]) -> None:
    """Each shown line was really printed, in that order (`…` and ports stand for numbers,
    a request id's 8 random hex digits for any others)."""
    position = 0
    for line in shown:
        parts = re.split(r"(?<=-)[0-9a-f]{8}(?=\])", line)
        pattern = "[0-9a-f]{8}".join(re.escape(part) for part in parts).replace("…", r"[\d.]+")
        pattern = re.sub(r"127\\.0\\.0\\.1:\d+", r"127\\.0\\.0\\.1:\\d+", pattern)
        found = next(
            (i for i, p in enumerate(printed[position:], position) if re.fullmatch(pattern, p)),
            None,
        )
        assert found is not None, f"the guide shows a line the app did not print: {line}"
        position = found + 1


@pytest.fixture(scope="module")
def stack(new_database):
    """One demo app for the tests that only add their own users and requests to it."""
    with demo_stack(FAST_HASHING | new_database()) as stack:
        yield stack


def test_sigterm_waits_for_the_running_task(live_database):
    with demo_stack(FAST_HASHING | live_database) as stack:
        stack.mail.delay = 1.0
        assert register(stack.url, "ann").status_code == 201
        stack.server.wait_for_line("send_welcome_email started")
        stack.server.terminate(timeout=15)  # uvicorn re-raises SIGTERM once it is done
        assert len(stack.mail.to("ann@example.com")) == 1  # delivered before the exit
        output = stack.server.output()
        assert "Waiting for background tasks to complete" in output
        assert output.index("send_welcome_email succeeded") < output.index("Finished server")
        assert query(stack, "SELECT status FROM task_runs WHERE name='send_welcome_email'") == [
            ("succeeded",)
        ]


def test_after_sigkill_the_interrupted_run_completes_on_the_next_start_once(live_database):
    # The dead attempt holds the email's claim: the run sends it once any send that attempt
    # began must be over (SMTP_SEND_LIMIT_SECONDS after its claim), 3 s here.
    with demo_stack(QUICK_RECOVERY | live_database | {"SMTP_SEND_LIMIT_SECONDS": "3"}) as stack:
        stack.mail.delay = 5.0  # the task is mid-conversation with the mail server...
        assert register(stack.url, "ann").status_code == 201
        stack.server.wait_for_line("send_welcome_email started")
        stack.mail.wait_for_conversations(1)  # (the claim is made before the send)
        stack.server.kill()  # ...when the process dies: no chance to finish or record
        stack.mail.delay = 0
        assert query(stack, "SELECT status FROM task_runs WHERE name='send_welcome_email'") == [
            ("running",)
        ]
        stack.restart()
        welcome = "SELECT status, attempt FROM task_runs WHERE name='send_welcome_email'"
        [(status, attempt)] = wait_until(
            lambda: (run := query(stack, welcome)) and run[0][0] in ENDED and run, timeout=15
        )
        # The killed attempt's connection died with its process before any DATA; the email
        # is sent before a run is recorded as succeeded, and a succeeded run is never run
        # again: so one email now means one email for good. Attempt 2 sends if the claim had
        # expired by then; if not it is told to retry when it does, and attempt 3 sends.
        assert status == "succeeded" and attempt in (2, 3)
        assert len(stack.mail.to("ann@example.com")) == 1


def test_200_registrations_at_once_give_200_emails_and_200_audit_rows(stack):
    async def flood(url: str) -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            payloads = [new_user(f"user{n}") for n in range(200)]
            responses = await asyncio.gather(
                *(client.post("/api/v1/auth/register", json=p) for p in payloads)
            )
            return [r.status_code for r in responses]

    # The runs of these users: those with a stored argument (username, email) "user...".
    runs = (
        "SELECT name, status, COUNT(*) FROM task_runs WHERE CAST(args AS TEXT) LIKE ? GROUP BY 1, 2"
    )
    started = time.perf_counter()
    assert asyncio.run(flood(stack.url)) == [201] * 200
    # Every run of these users is over: the email of a succeeded run was sent before its
    # record, and a finished run is never run again, so no copy can follow what is counted.
    assert wait_until(
        lambda: (
            (found := query(stack, runs, '%": "user%'))
            and all(status in ENDED for _, status, _ in found)
            and sorted(found)
        ),
        timeout=60,
    ) == [
        ("log_user_action", "succeeded", 200),
        ("send_welcome_email", "succeeded", 200),
    ]
    elapsed = time.perf_counter() - started
    recipients = [m.rcpt_tos[0] for m in stack.mail.messages if m.rcpt_tos[0].startswith("user")]
    assert len(recipients) == 200 and len(set(recipients)) == 200
    audited = "SELECT username FROM audit_logs WHERE action='REGISTER' AND username LIKE 'user%'"
    audits = query(stack, audited)
    assert len(audits) == 200 and len(set(audits)) == 200
    print(f"200 registrations, 200 emails, 200 audit rows in {elapsed:.2f}s")


def test_request_id_follows_the_request_into_its_tasks_and_timeline(stack):
    admin = admin_headers(stack)
    response = register(stack.url, "ann", **{"X-Request-ID": "trace-me-42"})
    request_id = response.headers["X-Request-ID"]  # the server's own, prefixed with ours
    assert re.fullmatch(r"trace-me-42-[0-9a-f]{8}", request_id)
    stack.server.wait_for_line(r"\[trace-me-42-[0-9a-f]{8}\] task log_user_action succeeded")
    traced = [line for line in stack.server.lines if f"[{request_id}]" in line]
    assert any("send_welcome_email started" in line for line in traced)
    assert any("POST /api/v1/auth/register -> 201" in line for line in traced)

    assert_lines_in_order(logged_lines_in_the_guide(), stack.server.lines)

    url = f"{stack.url}/api/v1/requests/{request_id}/timeline"
    events = httpx.get(url, headers=admin).json()
    names = [(e["event"], e["task"]) for e in events]
    assert names == [
        ("request received", None),
        ("response sent", None),
        ("task started", "send_welcome_email"),
        ("task finished", "send_welcome_email"),
        ("task started", "log_user_action"),
        ("task finished", "log_user_action"),
    ]
    assert httpx.get(url).status_code == 401
    unknown = httpx.get(f"{stack.url}/api/v1/requests/nope/timeline", headers=admin)
    assert unknown.status_code == 404


def test_json_logs_carry_the_request_id():
    with demo_stack(FAST_HASHING | {"LOG_FORMAT": "json"}) as stack:
        request_id = register(stack.url, "ann", **{"X-Request-ID": "json-1"}).headers[
            "X-Request-ID"
        ]
        stack.server.wait_for_line("log_user_action succeeded")
        entries = [json.loads(line) for line in stack.server.lines if line.startswith("{")]
        mine = [e for e in entries if e["request_id"] == request_id]
        assert request_id.startswith("json-1-")
        assert {e["logger"] for e in mine} >= {"demo_app.tasks", "demo_app.requests"}


def test_health_on_a_running_server(stack):
    report = httpx.get(f"{stack.url}/health").json()
    assert (report["status"], report["scheduler"], report["database"]) == (
        "ok",
        "alive",
        "ok",
    )


CLEANUP_INTERVAL = 0.25  # short, so four runs take a second; what counts is their order


def test_with_two_workers_cleanup_never_runs_twice_at_once(live_database):
    env = FAST_HASHING | {
        "CLEANUP_INTERVAL_SECONDS": str(CLEANUP_INTERVAL),
        "SCHEDULER_POLL_SECONDS": "0.05",
    }
    sql = (
        "SELECT started_at, finished_at, claimed_by FROM task_runs WHERE name='cleanup_old_data' "
        "AND started_at IS NOT NULL AND started_at > ? ORDER BY started_at"
    )
    with demo_stack(env | live_database, args=["--workers", "2"]) as stack:
        # Both workers' schedulers are running from here on (the second can start seconds
        # after the first on a busy machine): only the runs since then are counted.
        stack.server.wait_for_lines("Application startup complete", 2, timeout=30)
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLite stores it
        started = time.perf_counter()
        runs = wait_until(lambda: (found := query(stack, sql, since)) and len(found) >= 4 and found)
        elapsed = time.perf_counter() - started
        instances = query(stack, "SELECT COUNT(*) FROM app_instances")
    assert instances == [(2,)]  # both workers run the scheduler...
    # ...yet cleanup runs once per interval: the lease lets one start per interval in the
    # time we watched, plus one leased just before we began and one at the very end. Both
    # schedulers each running it would make about twice as many.
    assert len(runs) <= elapsed / CLEANUP_INTERVAL + 2, (len(runs), elapsed)
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier[1] is not None  # only the last may still be running
        assert earlier[1] <= later[0]  # one after another, never overlapping
