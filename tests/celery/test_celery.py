"""TASK_BACKEND=celery end to end: real Redis, real worker processes, the app on uvicorn."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from celery import Celery

from demo_app.models import TaskRun, utcnow
from guide.live import LiveServer
from guide.live.celery import celery_stack
from guide.live.process import alive, descendants
from tests.calls import admin_headers, register
from tests.celery.conftest import add_runs
from tests.records import query, wait_until

pytestmark = pytest.mark.live

RUN_OF = "SELECT status, attempt FROM task_runs WHERE name=? AND CAST(args AS TEXT) LIKE ?"
RUN_END = (
    "SELECT status, attempt, started_at FROM task_runs "
    "WHERE name='send_welcome_email' AND CAST(args AS TEXT) LIKE ?"
)
SUCCEEDED = "SELECT COUNT(*) FROM task_runs WHERE name=? AND status='succeeded'"
ENDED = ("succeeded", "dead", "failed")
# Celery's timer runs a retry at its ETA, not before; the ETA is stored to the microsecond
# and the app's timestamps come from the same clock. A few ms allow for rounding only.
TIMER_SLACK_MS = 5


def run_of(stack, name: str, username: str) -> list[tuple]:
    return query(stack.app, RUN_OF, name, f'%"{username}"%')


@pytest.fixture(scope="module")
def shared(redis_server, new_database):
    """Two workers and beat on one queue; cleanup every second, lost runs swept every 2 s.
    No worker is killed whole here, so the visibility timeout can be long: a message that
    comes back sooner came back another way. The hard time limit ends after the pool's
    check that follows the soft limit (see POOL_CHECK_SECONDS)."""
    env = {
        "CLEANUP_INTERVAL_SECONDS": "1",
        "INSTANCE_STALE_AFTER_SECONDS": "2",
        "CELERY_VISIBILITY_TIMEOUT": "20",
        "TASK_SOFT_TIME_LIMIT_SECONDS": "5",
        "TASK_TIME_LIMIT_SECONDS": "12",
    }
    with celery_stack(redis_server, env | new_database(), workers=2, beat=True) as stack:
        yield stack


def test_the_welcome_email_goes_through_a_worker_and_the_response_does_not_wait(shared):
    slow_smtp = 1.5
    shared.mail.delay = slow_smtp
    try:
        started = time.perf_counter()
        response = register(shared.url, "ann", **{"X-Request-ID": "celery-ann"})
        responded = time.perf_counter() - started
        assert response.status_code == 201
        # The run is queued only after the response, and the sink holds every message
        # slow_smtp seconds: nothing can have arrived yet.
        assert shared.mail.to("ann@example.com") == []
        [mail] = wait_until(lambda: shared.mail.to("ann@example.com"), timeout=15)
        arrived = time.perf_counter() - started
    finally:
        shared.mail.delay = 0
    print(f"celery mode: response in {responded * 1000:.0f} ms, email after {arrived:.2f} s")
    # arrived >= responded + slow_smtp, so the response took under half as long as the email
    # whenever it took under slow_smtp: it did not wait for the worker.
    assert arrived >= slow_smtp and responded < arrived / 2, (responded, arrived)
    assert mail.subject.startswith("Welcome")
    succeeded = f"[{response.headers['X-Request-ID']}] task send_welcome_email succeeded"
    wait_until(lambda: succeeded in shared.worker_output())
    assert "send_welcome_email" not in shared.app.server.output()  # not run by the app
    assert wait_until(lambda: run_of(shared, "log_user_action", "ann")) == [("succeeded", 1)]


def test_health_checks_the_broker_in_celery_mode(shared):
    report = httpx.get(f"{shared.url}/health").json()
    assert (report["status"], report["broker"], report["scheduler"]) == ("ok", "ok", "not running")


def test_celery_runs_show_in_the_same_stats_and_timeline(shared):
    admin = admin_headers(shared.app, "celery-admin")
    request_id = register(shared.url, "bea").headers["X-Request-ID"]
    for user in ("bea", "celery-admin"):  # then no welcome email is on its way
        wait_until(lambda u=user: run_of(shared, "send_welcome_email", u) == [("succeeded", 1)])
    wait_until(lambda: run_of(shared, "log_user_action", "bea") == [("succeeded", 1)])
    stats = httpx.get(f"{shared.url}/api/v1/tasks/stats", headers=admin).json()
    by_name = {entry["name"]: entry for entry in stats}
    [(sent,)] = query(shared.app, SUCCEEDED, "send_welcome_email")
    assert by_name["send_welcome_email"]["counts"]["succeeded"] == sent >= 2
    assert by_name["log_user_action"]["success_rate"] == 1.0
    assert by_name["send_welcome_email"]["p50_ms"] > 0
    url = f"{shared.url}/api/v1/requests/{request_id}/timeline"
    events = [(e["event"], e["task"]) for e in httpx.get(url, headers=admin).json()]
    assert events[:2] == [("request received", None), ("response sent", None)]
    assert sorted(events[2:]) == [
        ("task finished", "log_user_action"),
        ("task finished", "send_welcome_email"),
        ("task started", "log_user_action"),
        ("task started", "send_welcome_email"),
    ]


RETRYING_AT = re.compile(
    r"\[(?P<rid>[^\]]+)\] task send_welcome_email "
    r"retrying at (?P<at>\S+ \S+) \(attempt (?P<n>\d+) "
)


def scheduled_retries(output: str, request_id: str) -> dict[int, datetime]:
    """{attempt: when the next attempt is due}, from the workers' "retrying at" lines."""
    return {
        int(m["n"]): datetime.fromisoformat(m["at"])
        for m in RETRYING_AT.finditer(output)
        if m["rid"] == request_id
    }


def succeeded(stack, username: str) -> list[tuple] | None:
    """The welcome run of `username` as [(status, attempt)], once it has succeeded."""
    run = run_of(stack, "send_welcome_email", username)
    return run if run and run[0][0] == "succeeded" else None


def as_utc(moment: str | datetime) -> datetime:
    """A stored moment: SQLite gives text back (no zone; the app writes UTC), PostgreSQL a
    datetime with its zone."""
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def test_smtp_down_then_up_the_worker_retries_with_backoff_and_delivers_once(shared):
    base = float(shared.app.server.env["TASK_RETRY_BASE_SECONDS"])
    shared.mail.reject.add("cyd@example.com")  # 550 for cyd: every attempt fails...
    try:
        response = register(shared.url, "cyd")
        assert response.status_code == 201
        # ...until the record shows two failed attempts (so two backoffs to compare).
        [(_, last_failed)] = wait_until(
            lambda: (
                (run := run_of(shared, "send_welcome_email", "cyd"))
                and run[0][0] == "retrying"
                and run[0][1] >= 2
                and run
            )
        )
    finally:
        shared.mail.reject.discard("cyd@example.com")
    [(status, attempt, started_at)] = wait_until(
        lambda: (run := query(shared.app, RUN_END, '%"cyd"%')) and run[0][0] in ENDED and run
    )
    # The email is sent before its run is recorded as succeeded, and a succeeded run is never
    # claimed again: once the record says so, no second copy can follow.
    assert len(shared.mail.to("cyd@example.com")) == 1
    assert status == "succeeded" and attempt > last_failed, (status, attempt, last_failed)

    # Each failed attempt logged when the next one is due, before that one began.
    request_id = response.headers["X-Request-ID"]
    due = wait_until(
        lambda: (
            (found := scheduled_retries(shared.worker_output(), request_id))
            and sorted(found) == list(range(1, attempt))
            and found
        )
    )
    slack = timedelta(milliseconds=TIMER_SLACK_MS)
    for n in range(1, attempt - 1):
        # Attempt n+1 began no sooner than due[n] and was due backoff(n+1) = base * 2**n
        # after it failed, so due[n+1] - due[n] >= base * 2**n. Retrying at once, or after
        # the same delay every time, would leave the gap shorter.
        assert due[n + 1] - due[n] >= timedelta(seconds=base * 2**n) - slack, (n, due)
    # The attempt that succeeded waited for its time too.
    assert as_utc(started_at) >= due[attempt - 1] - slack, (started_at, due)
    gaps = [f"{(due[n + 1] - due[n]).total_seconds():.2f}" for n in range(1, attempt - 1)]
    print(f"celery mode: {attempt - 1} failed attempts, gaps between due times {gaps} s")


def test_beat_runs_cleanup_and_the_sweep_sends_a_run_that_never_reached_redis(shared):
    cleanups = "SELECT COUNT(*) FROM task_runs WHERE name='cleanup_old_data' AND status='succeeded'"
    wait_until(lambda: query(shared.app, cleanups)[0][0] >= 2, timeout=15)
    assert "Cleanup removed" not in shared.app.server.output()  # beat's job, not the app's
    # A run committed by a web process that died before it could send the message:
    lost = TaskRun(
        name="send_welcome_email",
        args={"email": "dee@example.com", "username": "dee"},
        queued_at=utcnow() - timedelta(minutes=5),
    )
    add_runs(shared, [lost])
    wait_until(lambda: run_of(shared, "send_welcome_email", "dee") == [("succeeded", 1)], 15)
    assert len(shared.mail.to("dee@example.com")) == 1  # succeeded: sent, and never again
    # Logged after sending, so possibly after another worker already ran it.
    wait_until(lambda: "recover_runs: 1 runs sent again" in shared.worker_output(), 5)


RECEIVED = re.compile(r"Task demo_app\.execute_run\[(?P<id>[\w-]+)\] received")
# Celery's prefork pool looks for dead pool processes when one's pipe closes, and at a
# maintenance round every 5 s (celery.concurrency.asynpool). The pipe closes a moment before
# the kernel lets the parent reap the process, so that first look can find it still there;
# then the round finds it. A job whose process is found dead fails with WorkerLostError and,
# with reject_on_worker_lost, its message is requeued. A hard time limit that ends first
# fails the job as timed out instead, and the message is acknowledged: never requeued.
POOL_CHECK_SECONDS = 5.0


def message_of_run(worker, started_line: str) -> str:
    """The Celery task id of the message whose run printed `started_line` on `worker`: one
    pool process taking one message at a time, the last one it received before that line."""
    lines = worker.lines[: worker.lines.index(started_line) + 1]
    return next(m["id"] for line in reversed(lines) if (m := RECEIVED.search(line)))


def test_a_pool_process_killed_mid_task_gets_its_message_back_at_once(shared):
    env = shared.app.server.env
    soft, hard = float(env["TASK_SOFT_TIME_LIMIT_SECONDS"]), float(env["TASK_TIME_LIMIT_SECONDS"])
    visibility = float(env["CELERY_VISIBILITY_TIMEOUT"])
    # Killed before its soft limit, the pool finds the process dead before the hard limit.
    assert soft + POOL_CHECK_SECONDS < hard
    # ...and seconds to requeue and fetch it again; still below the visibility timeout, the
    # other way back, so that one cannot be mistaken for this one
    back_within = POOL_CHECK_SECONDS + 7
    assert back_within < visibility
    # The attempt is held at the mail server (MAIL FROM) until it is killed: it cannot end
    # before its soft limit, however long the steps below take.
    shared.mail.delay = 2 * hard
    try:
        response = register(shared.url, "eve")
        assert response.status_code == 201
        request_id = response.headers["X-Request-ID"]
        started = f"[{request_id}] task send_welcome_email started (attempt 1)"
        [worker] = wait_until(
            lambda: [w for w in shared.workers if any(started in line for line in w.lines)]
        )
        seen = time.perf_counter()
        started_line = next(line for line in worker.lines if started in line)
        message = message_of_run(worker, started_line)
        # The pool process printed that line; its note that the task started may still be in
        # the pipe to the worker. Killed before the worker read it, the worker does not know
        # the task ran, and gives the job to the next pool process instead of requeueing the
        # message (celery.concurrency.asynpool on_partial_read). Once the worker lists the
        # task as active, it has read the note and knows which pool process runs it.
        pool_process = wait_until(lambda: worker.active().get(message))
        os.kill(pool_process, signal.SIGKILL)  # the worker survives; its pool process does not
        killed = time.perf_counter()
    finally:
        shared.mail.delay = 0
    assert killed - seen < soft  # so the attempt was still held at the mail server
    # reject_on_worker_lost: the message is back in the queue and received again, long
    # before the visibility timeout would have brought it back.
    received = f"Task demo_app.execute_run[{message}] received"
    wait_until(lambda: shared.worker_output().count(received) >= 2, back_within)
    came_back = time.perf_counter() - killed
    assert "WorkerLostError" in worker.output()
    # Redelivered while the record still says `running`, the run is taken over once the
    # killed attempt is past its hard limit (and the pool's grace).
    [(_, attempts)] = wait_until(lambda: succeeded(shared, "eve"), hard + 15)
    print(f"celery mode: a killed pool process's message back in {came_back:.1f} s")
    # The killed attempt's connection died before DATA, holding the email's claim. Attempt
    # 2 sends it once the claim is older than SMTP_SEND_LIMIT_SECONDS (a send in flight must
    # be over by then), or, when it comes sooner, is told to retry then and attempt 3 does.
    # The run is succeeded (its email sent before that record) and never runs again.
    assert attempts in (2, 3)
    assert len(shared.mail.to("eve@example.com")) == 1


# Two workers, no beat, for the two tests below. A killed worker's message comes back after
# the visibility timeout, and its run is taken over once it has been `running` past the hard
# time limit (plus the pool's grace): both shorter than CELERY_ENV's, so the takeover takes
# 4 s, not 8. The mail server holds the attempt (MAIL_HELD) longer than the kill takes and
# less than the soft limit; the 500 tasks take milliseconds each, far below any limit.
QUICK_TAKEOVER = {
    "CELERY_VISIBILITY_TIMEOUT": "3",
    # every retry wait shorter than that (refused otherwise): backoffs up to 2 s, and a
    # killed attempt's email claim held 2 s
    "TASK_RETRY_BASE_SECONDS": "0.25",
    "SMTP_SEND_LIMIT_SECONDS": "2",
    "TASK_SOFT_TIME_LIMIT_SECONDS": "1.5",
    "TASK_TIME_LIMIT_SECONDS": "2",
}
MAIL_HELD = 1.0


@pytest.fixture(scope="module")
def pair(redis_server, new_database):
    """Two workers on their own queue. The worker-killed test comes last: it leaves one."""
    with celery_stack(redis_server, QUICK_TAKEOVER | new_database(), workers=2) as stack:
        yield stack


def test_500_tasks_through_2_workers_all_done_none_twice(pair):
    count = 500
    runs = [
        TaskRun(name="send_welcome_email", args={"email": f"u{n}@example.com", "username": f"u{n}"})
        for n in range(count)
    ]
    add_runs(pair, runs)  # the rows a request would write; then only ids go to Redis
    mine = '%"u%@example.com"%'  # these runs' stored arguments
    done = "SELECT COUNT(*) FROM task_runs WHERE CAST(args AS TEXT) LIKE ? AND status='succeeded'"
    with Celery(broker=pair.redis_url, set_as_current=False) as client:
        started = time.perf_counter()
        for run in runs:
            client.send_task("demo_app.execute_run", (run.id,))
        sent = time.perf_counter() - started
        # What is asserted is all done, none twice, not how fast (the rate is printed): on
        # 2 cores shared with the rest of the suite it took up to 65 s.
        wait_until(lambda: query(pair.app, done, mine) == [(count,)], timeout=240)
        elapsed = time.perf_counter() - started
    print(
        f"celery mode: {count} tasks (welcome emails over SMTP) through 2 workers in "
        f"{elapsed:.2f} s: {count / elapsed:.0f} tasks/s (sending the ids took {sent:.2f} s)"
    )
    attempts = "SELECT DISTINCT attempt FROM task_runs WHERE CAST(args AS TEXT) LIKE ?"
    assert query(pair.app, attempts, mine) == [(1,)]
    recipients = [m.rcpt_tos[0] for m in pair.mail.messages]
    assert len(recipients) == count and len(set(recipients)) == count
    # Each worker takes one message at a time (prefetch 1) and both stay busy: about half
    # each. A tenth is far below what scheduling can skew, and far above none.
    by_process = (
        "SELECT claimed_by, COUNT(*) FROM task_runs WHERE CAST(args AS TEXT) LIKE ? GROUP BY 1"
    )
    shares = query(pair.app, by_process, mine)
    assert len(shares) == 2 and min(n for _, n in shares) > count // 10, shares


def test_a_worker_killed_mid_task_another_worker_runs_it_again_and_it_is_sent_once(pair):
    pair.mail.delay = MAIL_HELD  # the task is mid-conversation with the mail server...
    try:
        response = register(pair.url, "ann")
        assert response.status_code == 201
        request_id = response.headers["X-Request-ID"]
        started = f"[{request_id}] task send_welcome_email started"
        [first] = wait_until(lambda: [w for w in pair.workers if started in w.output()])
        [second] = [w for w in pair.workers if w is not first]
        pool = first.pool_pids()
        first.kill()  # ...when its worker dies, SIGKILL: no ack, no record of the outcome
        killed = time.perf_counter()
    finally:
        pair.mail.delay = 0
    for pid in pool:  # the pool processes die with their worker (PR_SET_PDEATHSIG)
        wait_until(lambda pid=pid: not alive(pid), timeout=5)
    assert run_of(pair, "send_welcome_email", "ann") == [("running", 1)]
    second.wait_for_line(re.escape(f"[{request_id}] task send_welcome_email succeeded"), 30)
    recovered = time.perf_counter() - killed
    # Succeeded (the email sent before that record), and a succeeded run never runs
    # again; the killed attempt's connection died before DATA, holding the email's claim:
    # attempt 2 sends once that claim is older than SMTP_SEND_LIMIT_SECONDS, or is told to
    # retry then, and attempt 3 sends. One now is one for good.
    [(status, attempts)] = run_of(pair, "send_welcome_email", "ann")
    assert status == "succeeded" and attempts in (2, 3)
    assert len(pair.mail.to("ann@example.com")) == 1
    print(f"celery mode: SIGKILLed worker's task done by another worker {recovered:.1f} s later")


class GuideWorker(LiveServer):
    """`python -m guide worker`, up once it says how to stop it."""

    ready = "Ctrl-C stops everything"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "guide", "worker"]


def test_guide_worker_starts_redis_two_workers_and_beat_and_ctrl_c_stops_them(tmp_path):
    cli = GuideWorker("guide worker", cwd=tmp_path)
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "TASK_BACKEND"):
        cli.env.pop(name, None)
    cli.env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    with cli:
        output = cli.output()
        assert "embedded redis-server" in output
        assert "worker1@" in output and "worker2@" in output and "beat: Starting" in output
        family = descendants(cli.process.pid)
        assert len(family) >= 6  # redis, 2 workers and their pool processes, beat
        cli.signal(signal.SIGINT)  # Ctrl-C
        assert cli.wait(30) == 0
    assert "Stopped." in cli.output()
    assert [pid for pid in family if alive(pid)] == []
