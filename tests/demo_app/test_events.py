"""GET /api/v1/events: who may read it, what a poll finds, and the stream on real servers.

The ASGI tests run on SQLite and PostgreSQL (`database_url`); so do the live ones
(`live_database`): a real uvicorn, a real HTTP stream, a SIGTERM with a client connected,
and a Celery stack whose workers write the runs the stream reports.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import pytest

from demo_app import db
from demo_app.models import RequestRecord
from demo_app.platform import events
from guide.live import FAST_HASHING, DemoClient, demo_stack, request_id_of
from guide.live.celery import celery_stack
from guide.live.client import new_user
from tests.demo_app.support import (
    admin_headers,
    plan_of,
    register,
    rows,
    statements_sent,
    user_headers,
)
from tests.records import query, wait_until

EVENTS = "/api/v1/events"


@dataclass
class Event:
    kind: str
    id: str | None
    data: object


# ---- over ASGI ---------------------------------------------------------------------------


async def test_the_stream_is_for_admins_only(client):
    assert (await client.get(EVENTS)).status_code == 401
    headers = await user_headers(client, "plain")
    response = await client.get(EVENTS, headers=headers)
    assert response.status_code == 403, response.text


async def test_a_last_event_id_that_is_not_a_cursor_is_refused(client):
    headers = await admin_headers(client)
    response = await client.get(EVENTS, headers=headers | {"Last-Event-ID": "nonsense"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 2, tzinfo=UTC),  # its `- OVERLAP` would overflow
        datetime(1969, 12, 31, tzinfo=UTC),
        datetime.now(UTC) + timedelta(days=2),
        datetime(9999, 12, 31, tzinfo=UTC),
    ],
)
async def test_a_last_event_id_out_of_range_is_refused_with_what_one_is(client, moment):
    headers = await admin_headers(client)
    cursor = events.to_cursor(moment)
    response = await client.get(EVENTS, headers=headers | {"Last-Event-ID": cursor})
    assert response.status_code == 400, response.text
    assert "microseconds since 1970" in response.json()["detail"]


async def test_the_last_event_ids_a_stream_sends_are_accepted_back(client):
    """The range refuses nothing the server itself writes: its epoch-to-now cursors."""
    headers = await admin_headers(client)
    for moment in (events.EPOCH, events.utcnow()):
        cursor = events.to_cursor(moment)
        response, got = await read_stream(client, headers | {"Last-Event-ID": cursor})
        assert response.status_code == 200 and got[-1].kind == "bye"


def event_of(lines: list[str]) -> Event | None:
    """One event's lines (`event:`, `id:` and one `data:` line), or None: a comment only."""
    fields = dict(line.split(": ", 1) for line in lines if ": " in line)
    if "data" not in fields:
        return None
    return Event(fields.get("event", "message"), fields.get("id"), json.loads(fields["data"]))


def parse(text: str) -> list[Event]:
    """The events of an event stream's whole text."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [event for block in blocks if (event := event_of(block.splitlines()))]


async def read_stream(client, headers: dict[str, str]) -> tuple[httpx.Response, list[Event]]:
    """One whole stream over ASGI (the test client reads a response to its end): with
    EVENT_STREAM_SECONDS at 0 (the `env` fixture) it is one poll, then `bye`. A stream that
    does not end fails here."""
    with anyio.fail_after(20):
        response = await client.get(EVENTS, headers=headers)
    return response, parse(response.text)


async def test_a_stream_has_its_type_ids_and_ends_after_its_lifetime(client):
    headers = await admin_headers(client)
    response, got = await read_stream(client, headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    kinds = [event.kind for event in got]
    assert {"request", "run", "mail", "stats"} <= set(kinds)
    assert kinds[-2:] == ["ready", "bye"]
    assert got[-1].data == {"reason": "lifetime"}
    ids = {event.id for event in got[:-1]}
    assert len(ids) == 1 and None not in ids  # one poll: one cursor
    # The stream's own record: written after its last byte, although Starlette cancels a
    # streaming response's task group as soon as the client is gone (at once, here).
    [record] = await rows(RequestRecord, RequestRecord.request_id == request_id_of(response))
    assert (record.status_code, record.response_sent_at is not None) == (200, True)


async def test_last_event_id_resumes_a_stream_after_what_it_had(client, monkeypatch):
    monkeypatch.setattr(events, "OVERLAP", timedelta(0))  # no late commits in here
    headers = await admin_headers(client)
    _, first = await read_stream(client, headers)
    cursor = first[-2].id
    assert cursor is not None
    later = await client.post("/api/v1/auth/register", json=new_user("later"))
    _, resumed = await read_stream(client, headers | {"Last-Event-ID": cursor})
    requests = {e.data["request_id"] for e in resumed if e.kind == "request"}  # type: ignore[index]
    assert requests == {later.headers["x-request-id"]}


async def poll(changes: events.Changes) -> list[tuple[str, dict]]:
    async with db.session() as session:
        news, _ = await changes.poll(session)
    return news


def of_request(news, request_id: str) -> list[tuple[str, str]]:
    """(kind, status or path) of the events about one request."""
    found = []
    for kind, row in news:
        if kind == "request" and row["request_id"] == request_id:
            found.append((kind, row["path"]))
        elif kind == "run" and row["request_id"] == request_id:
            found.append((kind, f"{row['name']} {row['status']}"))
    return sorted(found)


async def test_a_poll_finds_a_registration_its_runs_and_its_email_once(client):
    changes = events.Changes(events.utcnow() - timedelta(minutes=1))
    response = await client.post("/api/v1/auth/register", json=new_user("ada"))
    assert response.status_code == 201, response.text
    request_id = response.headers["x-request-id"]
    news = await poll(changes)
    assert of_request(news, request_id) == [
        ("request", "/api/v1/auth/register"),
        ("run", "log_user_action succeeded"),
        ("run", "send_welcome_email succeeded"),
    ]
    assert [row["recipient"] for kind, row in news if kind == "mail"] == ["ada@example.com"]
    assert await poll(changes) == []  # nothing changed: nothing is sent again


async def test_a_resumed_stream_sends_what_changed_after_its_cursor(client, monkeypatch):
    monkeypatch.setattr(events, "OVERLAP", timedelta(0))  # no late commits in here
    await register(client, "first")
    changes = events.Changes(events.utcnow() - timedelta(minutes=1))
    assert await poll(changes)
    cursor = events.to_cursor(changes.since)  # the id the stream's events carry
    response = await client.post("/api/v1/auth/register", json=new_user("second"))
    resumed = events.Changes(events.from_cursor(cursor))
    news = await poll(resumed)
    second = response.headers["x-request-id"]
    assert {row["request_id"] for kind, row in news if kind == "request"} == {second}
    assert {row["request_id"] for kind, row in news if kind == "run"} == {second}


async def test_a_poll_reads_a_page_at_a_time_and_the_next_goes_on(client, monkeypatch):
    monkeypatch.setattr(events, "PAGE", 2)
    for name in ("page1", "page2", "page3"):
        await register(client, name)
    changes = events.Changes(events.utcnow() - timedelta(minutes=1))
    seen, polls = [], 0
    while True:
        async with db.session() as session:
            news, more = await changes.poll(session)
        polls += 1
        seen += news
        assert len([n for n in news if n[0] == "run"]) <= 2
        if not more:
            break
    runs = [row["id"] for kind, row in seen if kind == "run"]
    assert len(runs) == 6 and len(set(runs)) == 6  # 3 registrations, 2 tasks each, once each
    assert polls >= 3


TOUCHED_INDEXES = {
    "request_records": "ix_request_records_touched_at",
    "task_runs": "ix_task_runs_touched_at",
    "email_deliveries": "ix_email_deliveries_touched_at",
}


async def test_a_poll_reads_each_table_through_its_touched_at_index(client):
    """What a poll costs does not grow with the tables: each query walks its table's index
    on the touched-at expression from the cursor, in order, and stops after PAGE rows.
    Without the index the plan scans the whole table and sorts it."""
    await register(client, "ada")
    with statements_sent() as statements:
        await poll(events.Changes(events.utcnow() - timedelta(minutes=1)))
    assert len(statements) == 3
    for (statement, parameters), (table, index) in zip(
        statements, TOUCHED_INDEXES.items(), strict=True
    ):
        assert f"FROM {table}" in statement
        plan = await plan_of(statement, parameters)
        assert index in plan, plan
        # No scan of the whole table (SQLite: nor a sort, the index's order is the page's;
        # PostgreSQL may sort the few rows its index found, as the planner sees fit).
        assert f"SCAN {table}\n" not in plan + "\n" and "TEMP B-TREE" not in plan, plan
        assert "Seq Scan" not in plan, plan


# ---- on real servers ---------------------------------------------------------------------


@dataclass
class Stream:
    """An HTTP client reading the event stream in a thread, keeping every event."""

    url: str
    headers: dict[str, str]
    events: list[Event] = field(default_factory=list)
    content_type: str = ""
    request_id: str = ""
    ended: bool = False
    error: BaseException | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        try:
            with httpx.stream("GET", self.url + EVENTS, headers=self.headers, timeout=30) as r:
                self.content_type = r.headers["content-type"]
                self.request_id = request_id_of(r)
                block: list[str] = []
                for line in r.iter_lines():
                    if line:
                        block.append(line)
                        continue
                    if event := event_of(block):  # a blank line ends an event
                        with self.changed:
                            self.events.append(event)
                            self.changed.notify_all()
                    block = []
        except BaseException as error:  # noqa: BLE001  (reported to the test)
            self.error = error
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    def wait_for(self, found: Callable[[Event], bool], timeout: float = 15.0) -> Event:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for event in self.events:
                    if found(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    kinds = [e.kind for e in self.events]
                    raise AssertionError(f"no such event (ended={self.ended}): {kinds}")
                self.changed.wait(left)

    def wait_until_ended(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.ended:
                left = deadline - time.monotonic()
                assert left > 0, "the stream did not end"
                self.changed.wait(left)


@contextmanager
def reading(url: str, headers: dict[str, str]) -> Iterator[Stream]:
    stream = Stream(url, headers)
    thread = threading.Thread(target=stream.read, daemon=True)
    thread.start()
    yield stream


def run_reached(request_id: str, name: str, status: str) -> Callable[[Event], bool]:
    def found(event: Event) -> bool:
        data = event.data
        return (
            event.kind == "run"
            and isinstance(data, dict)
            and data["request_id"] == request_id
            and data["name"] == name
            and data["status"] == status
        )

    return found


def admin_token(client: DemoClient) -> dict[str, str]:
    client.make_admin()
    return {"Authorization": f"Bearer {client.tokens['admin']}"}


@pytest.mark.live
def test_the_stream_over_http_has_ids_and_resumes_from_the_last(live_database):
    with demo_stack(FAST_HASHING | live_database) as stack, DemoClient(stack) as client:
        headers = admin_token(client)
        with reading(stack.url, headers) as stream:
            stream.wait_for(lambda e: e.kind == "ready")
            assert stream.content_type.startswith("text/event-stream")
            registered = client.register("ann").raise_for_status()
            rid = client.request_id(registered)
            stream.wait_for(run_reached(rid, "send_welcome_email", "succeeded"))
            stream.wait_for(run_reached(rid, "log_user_action", "succeeded"))
            ids = [int(e.id) for e in stream.events if e.id is not None]
            assert ids and all(e.id for e in stream.events if e.kind != "bye")
            assert ids == sorted(ids)  # cursors only move forward
            last = stream.events[-1].id
        assert last is not None
        later = client.register("bob").raise_for_status()
        with reading(stack.url, headers | {"Last-Event-ID": last}) as resumed:
            rid = client.request_id(later)
            resumed.wait_for(run_reached(rid, "send_welcome_email", "succeeded"))
            first = resumed.wait_for(lambda e: e.id is not None)
            assert int(first.id or 0) >= int(last)


def recorded(stack, request_id: str) -> list[tuple]:
    """The request's record, once written: (status code, whether its response ended)."""
    sql = "SELECT status_code, response_sent_at FROM request_records WHERE request_id = ?"
    return [(code, sent is not None) for code, sent in query(stack, sql, request_id)]


@pytest.mark.live
def test_a_stream_that_ends_on_uvicorn_has_its_request_recorded(live_database):
    """uvicorn reports the client gone right after the last byte, and Starlette then cancels
    the streaming response's task group: the record written at that moment must survive."""
    env = FAST_HASHING | live_database | {"EVENT_STREAM_SECONDS": "0.5"}
    with demo_stack(env) as stack, DemoClient(stack) as client:
        headers = admin_token(client)
        for _ in range(3):
            with reading(stack.url, headers) as stream:
                stream.wait_until_ended()
            assert stream.error is None and stream.events[-1].kind == "bye"
            assert wait_until(lambda: recorded(stack, stream.request_id), 10) == [(200, True)]


@pytest.mark.live
def test_a_client_that_leaves_mid_stream_still_gets_its_request_recorded(live_database):
    """uvicorn tells the app the client is gone; Starlette cancels the stream; the request's
    record is written all the same (without `response_sent_at`: the response never ended)."""
    with demo_stack(FAST_HASHING | live_database) as stack, DemoClient(stack) as client:
        headers = admin_token(client)
        with httpx.stream("GET", stack.url + EVENTS, headers=headers, timeout=30) as response:
            request_id = request_id_of(response)
            for line in response.iter_lines():
                if line == "event: ready":
                    break  # and close the connection mid-stream
        found = wait_until(lambda: recorded(stack, request_id), timeout=10)
    assert found == [(200, False)]


@pytest.mark.live
def test_clients_that_leave_mid_stream_cost_one_info_line_each(live_database):
    """Leaving is what every dashboard tab does when it closes: no ERROR, no traceback. Each
    client leaves in the middle of the recent past (a burst of events), where a stream that
    forwards its events through a second task fails on the one it holds."""
    with demo_stack(FAST_HASHING | live_database) as stack, DemoClient(stack) as client:
        headers = admin_token(client)
        for n in range(20):
            client.register(f"burst{n}").raise_for_status()
        for _ in range(5):
            with httpx.stream("GET", stack.url + EVENTS, headers=headers, timeout=30) as response:
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        break  # and close the connection mid-burst
        stack.server.wait_for_lines(r'"GET /api/v1/events HTTP/1.1" 200', count=5)
        time.sleep(1.0)  # what the server logs once each client is gone
        output = stack.server.output()
    assert "ERROR" not in output and "Traceback" not in output, output[-4000:]
    assert len(re.findall(r"event stream of admin: the client left after", output)) == 5


def open_stream(stack, exits: ExitStack, headers: dict[str, str]) -> httpx.Response:
    """A stream held open (until `exits` closes it), read up to `ready`; or the refusal."""
    response = exits.enter_context(
        httpx.stream("GET", stack.url + EVENTS, headers=headers, timeout=30)
    )
    if response.status_code == 200:
        # Held by `exits` too: a line iterator that is collected closes the response.
        lines = exits.enter_context(closing(response.iter_lines()))
        while next(lines) != "event: ready":
            pass
    else:
        response.read()
    return response


@pytest.mark.live
def test_open_streams_are_capped_per_process_and_per_admin_and_a_slot_comes_back():
    """Each stream polls the database a few times a second: past EVENT_STREAMS_MAX (or
    EVENT_STREAMS_PER_ADMIN) a new one is a 429 whose Retry-After is when an open one ends."""
    env = FAST_HASHING | {"EVENT_STREAMS_MAX": "3", "EVENT_STREAMS_PER_ADMIN": "2"}
    with demo_stack(env) as stack, DemoClient(stack) as client:
        ann = admin_token(client)
        client.make_admin("bob")
        bob = {"Authorization": f"Bearer {client.tokens['bob']}"}
        with ExitStack() as first, ExitStack() as rest:
            assert open_stream(stack, first, ann).status_code == 200
            assert open_stream(stack, rest, ann).status_code == 200
            refused = open_stream(stack, rest, ann)  # ann's third
            assert refused.status_code == 429, refused.text
            assert "you have 2 event streams open" in refused.json()["detail"]
            assert int(refused.headers["retry-after"]) in range(1, 61)  # EVENT_STREAM_SECONDS
            assert open_stream(stack, rest, bob).status_code == 200  # the server's third
            refused = open_stream(stack, rest, bob)
            assert refused.status_code == 429
            assert "this server has 3 event streams open" in refused.json()["detail"]
            first.close()  # one of ann's streams ends: its slot is free once the server knows

            def reopened() -> bool:
                with ExitStack() as again:
                    return open_stream(stack, again, bob).status_code == 200

            assert wait_until(reopened, timeout=10)


@pytest.mark.live
def test_sigterm_ends_an_open_stream_and_the_server_stops(live_database):
    with demo_stack(FAST_HASHING | live_database) as stack, DemoClient(stack) as client:
        headers = admin_token(client)
        with reading(stack.url, headers) as stream:
            stream.wait_for(lambda e: e.kind == "ready")
            # Without the stream's end, uvicorn would wait for this connection forever.
            code = stack.server.terminate(timeout=15)
            stream.wait_until_ended()
        assert code in (0, -15)  # it stopped (uvicorn re-raises SIGTERM: FACTS row v)
        assert stream.error is None, stream.error
        assert stream.events[-1].kind == "bye"
        assert "Waiting for connections to close" in stack.server.output()


@pytest.mark.live
def test_celery_workers_runs_reach_the_stream(redis_server, live_database):
    with celery_stack(redis_server, FAST_HASHING | live_database) as stack:
        with DemoClient(stack.app, outputs=lambda: stack.workers) as client:
            headers = admin_token(client)
            with reading(stack.url, headers) as stream:
                stream.wait_for(lambda e: e.kind == "ready")
                registered = client.register("cel").raise_for_status()
                rid = client.request_id(registered)
                stream.wait_for(run_reached(rid, "send_welcome_email", "succeeded"))
                stream.wait_for(run_reached(rid, "log_user_action", "succeeded"))
