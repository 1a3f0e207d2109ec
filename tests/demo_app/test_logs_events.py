"""What a request's tasks did is read from the log events' fields, never from a message.

The runner and the request middleware log each line with an `event` name and that event's
named fields (demo_app/platform/log_events.py); with LOG_FORMAT=json they are keys of the
line's JSON object. The harness (`guide.live`) reads those: a message may be reworded for
people, and what the harness reads stays the same. A real run emits every event the harness
relies on, with all its fields.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

import pytest

from demo_app.platform.log_events import (
    BASE_FIELDS,
    EVENTS,
    RESPONSE_SENT,
    TASK_ENDED,
    TASK_RAISED,
    TASK_STARTED,
    Event,
    parse,
)
from demo_app.platform.logs import CONSOLE_FORMAT, JsonFormatter, RequestIdFilter, console_text
from guide.live import FAST_HASHING, DemoClient, LiveServer, Run, demo_stack
from guide.live.client import Sent, new_user
from guide.live.process import CONSOLE_LOGS, fields_of

REQUEST = "call-1-0a1b2c3d"
WHICH = {"task": "send_welcome_email", "run_id": "r1", "attempt": 1}


def record(message: str, *args: object, level: int = logging.INFO, **extra: object):
    made = logging.LogRecord("demo_app.tasks", level, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    RequestIdFilter().filter(made)
    made.request_id = REQUEST
    return made


def json_line(message: str, event: Event | None = None, **fields: object) -> str:
    extra = event.extra(**fields) if event else {}
    return JsonFormatter().format(record(message, **extra))


def test_an_event_carries_exactly_its_declared_fields():
    assert TASK_STARTED.extra(**WHICH) == {"event": "task.started", **WHICH}
    with pytest.raises(TypeError):
        TASK_STARTED.extra(task="x", attempt=1)  # no run_id
    with pytest.raises(TypeError):
        TASK_STARTED.extra(**WHICH, status="succeeded")  # not one of its fields
    assert all(not set(event.fields) & {"event", *BASE_FIELDS} for event in EVENTS.values())


def test_the_json_line_has_the_event_and_its_fields_next_to_the_message():
    line = json_line(
        "task %s %s (attempt 1 took 2.0 ms)",
        TASK_ENDED,
        **WHICH,
        status="succeeded",
        duration_ms=2.0,
        next_attempt_at=None,
    )
    entry = json.loads(line)
    assert parse(line) == entry
    assert entry["event"] == "task.ended" and entry["request_id"] == REQUEST
    assert {k: entry[k] for k in TASK_ENDED.fields} == {
        **WHICH,
        "status": "succeeded",
        "duration_ms": 2.0,
        "next_attempt_at": None,
    }
    plain = json.loads(json_line("a line that is no event"))
    assert set(plain) == set(BASE_FIELDS)


def test_a_path_field_masks_addresses_as_the_message_does():
    entry = json.loads(
        json_line(
            "GET ...", RESPONSE_SENT, method="GET", path="/u/ann@example.com", status_code=404
        )
    )
    assert entry["path"] == "/u/a***@example.com"


def test_a_json_line_kept_as_the_console_prints_it():
    console = logging.Formatter(CONSOLE_FORMAT)
    made = record("task %s failed: %s", "x", "boom", level=logging.ERROR)
    assert console_text(json.loads(JsonFormatter().format(made))) == console.format(made)
    try:
        raise ValueError("boom")
    except ValueError:
        failed = record("could not record request %s", REQUEST, level=logging.ERROR)
        failed.exc_info = sys.exc_info()
    printed = console.format(failed)
    failed.exc_text = None  # the console formatter caches it: the JSON one makes its own
    assert console_text(json.loads(JsonFormatter().format(failed))) == printed
    assert printed.count("\n") > 1  # a traceback, on the lines after


def test_anything_else_is_no_event():
    for line in ("📧 [TASK] Sending welcome email", '{"a": 1}', "{not json", "[1]", ""):
        assert parse(line) is None


def fed(lines: list[str], console: bool) -> LiveServer:
    """A server (never started) that kept `lines` as if it had printed them."""
    server = LiveServer("app:app", env={CONSOLE_LOGS: "1" if console else "0"})
    for line in lines:
        server.lines.extend(server.keep(line))
    return server


def runs_of(*ended: tuple[str, str, int]) -> list[Run]:
    now = datetime.now(UTC)
    return [
        Run(f"r{n}", name, status, attempt, now, now, now)
        for n, (name, status, attempt) in enumerate(ended)
    ]


def request_and_run(response: str, started: str, ended: str) -> list[str]:
    """One request's lines: its response, one run's attempt, with these messages."""
    sent = {"method": "POST", "path": "/api/v1/auth/register", "status_code": 201}
    done = {"status": "succeeded", "duration_ms": 1.0, "next_attempt_at": None}
    return [
        json_line(response, RESPONSE_SENT, **sent),
        json_line(started, TASK_STARTED, **WHICH),
        "📧 [TASK] Sending welcome email to a***@example.com",
        json_line(ended, TASK_ENDED, **WHICH, **done),
    ]


def as_logged() -> list[str]:
    """The same lines with the runner's and the middleware's own messages."""
    return request_and_run(
        "POST /api/v1/auth/register -> 201",
        "task send_welcome_email started (attempt 1)",
        "task send_welcome_email succeeded (attempt 1 took 1.0 ms)",
    )


@pytest.mark.parametrize("console", [True, False])
def test_rewording_a_message_changes_nothing_the_harness_reads(console):
    worded = as_logged()
    reworded = request_and_run("answered", "off we go", "all done, nothing to see")
    runs = runs_of(("send_welcome_email", "succeeded", 1))
    for lines in (worded, reworded):
        server = fed(lines, console)
        assert Sent(server, [server], from_start=True).caught_up(REQUEST, runs, [server])
        events = [fields_of(line) for line in server.lines]
        assert [e and e.get("event") for e in events] == [
            "response.sent",
            "task.started",
            None,  # the task's print
            "task.ended",
        ]
    kept = fed(worded, console=True).lines
    assert kept[0] == f"INFO demo_app.tasks [{REQUEST}] POST /api/v1/auth/register -> 201"


def test_the_harness_waits_for_the_events_not_for_the_words():
    worded = as_logged()
    words_only = [console_text(e) if (e := parse(line)) else line for line in worded]
    server = fed(words_only, console=True)  # the console's lines, without their fields
    runs = runs_of(("send_welcome_email", "succeeded", 1))
    assert not Sent(server, [server], from_start=True).caught_up(REQUEST, runs, [server])
    # an attempt's end is matched on its task, status and attempt, and on the request
    server = fed(request_and_run("a", "b", "c"), console=True)
    for other in (("send_welcome_email", "succeeded", 2), ("log_user_action", "succeeded", 1)):
        assert not Sent(server, [server], from_start=True).caught_up(
            REQUEST, runs_of(other), [server]
        )
    assert not Sent(server, [server], from_start=True).caught_up("call-2", runs, [server])


@pytest.mark.live
def test_a_real_run_emits_each_event_the_harness_reads_with_its_fields():
    env = FAST_HASHING | {"TASK_RETRY_BASE_SECONDS": "60"}
    with demo_stack(env) as stack, DemoClient(stack) as client:
        stack.mail.reject.add("zoe@example.com")  # her welcome email fails: retried later
        response = client.call("POST", "/api/v1/auth/register", json=new_user("zoe"))
        runs = client.wait_for_tasks(response, retries=False)
        request_id = client.request_id(response)
        events = [
            entry
            for line in stack.server.lines
            if (entry := fields_of(line)) and entry["request_id"] == request_id
        ]
    assert {(run.name, run.status) for run in runs} == {
        ("send_welcome_email", "retrying"),
        ("log_user_action", "succeeded"),
    }
    for entry in events:
        if "event" in entry:
            event = EVENTS[entry["event"]]
            assert set(entry) == {*BASE_FIELDS, "event", *event.fields}, entry
    named = [(e["event"], e.get("task"), e.get("status")) for e in events if "event" in e]
    assert named == [
        ("response.sent", None, None),
        ("task.started", "send_welcome_email", None),
        ("task.raised", "send_welcome_email", None),
        ("task.ended", "send_welcome_email", "retrying"),
        ("task.started", "log_user_action", None),
        ("task.ended", "log_user_action", "succeeded"),
    ]
    sent, _, raised, retrying, *_ = [e for e in events if "event" in e]
    assert (sent["method"], sent["path"], sent["status_code"]) == (
        "POST",
        "/api/v1/auth/register",
        201,
    )
    assert TASK_RAISED.is_(raised) and raised["error_type"] and raised["attempt"] == 1
    assert retrying["attempt"] == 1 and retrying["duration_ms"] >= 0
    # retried in about TASK_RETRY_BASE_SECONDS
    assert datetime.fromisoformat(retrying["next_attempt_at"]) > datetime.now(UTC)
