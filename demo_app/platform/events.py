"""The platform ring: `GET /api/v1/events`: the request records, task runs and emails, as a
server-sent event stream.

The events come from the database, not from the process that serves the stream: a Celery
worker (or another uvicorn worker) writes the same `task_runs` rows, and a stream fed by
this process's memory would never see its changes. Each client's stream polls three tables
every `POLL_SECONDS` for rows *touched* since its cursor: a row's latest timestamp (a run's
queued, started, finished or next attempt; a request's response; an email's sending).
Every status change of a run writes one of those, so no column or event table is needed.

- The cursor is the event id: `Last-Event-ID` resumes from it. A poll reads from a little
  before the cursor (`OVERLAP`): a transaction that committed late, with an older time, is
  still seen. What the client already has is not sent twice (each stream remembers the last
  state it sent of each row in the window), so an event is a row's new state, at least once.
- Bounded per client: a poll reads at most `PAGE` rows a table, oldest first (the next poll
  goes on from the last one read), and the stream yields one event at a time into FastAPI's
  buffer of one: a slow client slows its own polling down; nothing piles up for it.
- Bounded in time too: a stream ends after `EVENT_STREAM_SECONDS` (event `bye`) and the client
  comes back with `Last-Event-ID`. The token is checked when a stream opens, so this is
  also how long an admin who lost the role, or whose token expired, can go on watching.
- A clean end on shutdown: uvicorn waits for open connections before it stops, and a stream
  never closes on its own. `end_streams_on_exit` (in the lifespan) lets the server's exit
  signal also end the streams, within one poll; the client may reconnect to the next server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from fastapi.sse import ServerSentEvent, format_sse_event
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app import db
from demo_app.config import get_settings
from demo_app.deps import AdminUser
from demo_app.models import (
    MAIL_TOUCHED_AT,
    REQUEST_TOUCHED_AT,
    RUN_TOUCHED_AT,
    EmailDelivery,
    RequestRecord,
    TaskRun,
    User,
    utcnow,
)
from demo_app.platform.responses import ADMINS_ONLY, error
from demo_app.runs.routes import task_stats

log = logging.getLogger("demo_app.events")
router = APIRouter(tags=["tasks"])
# The errors are JSON, the 200 an event stream: with `model`, FastAPI would document the
# errors under the route's media type (text/event-stream), so they name theirs.
ERRORS = {
    code: {
        "description": answer["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorDetail"}}},
    }
    for code, answer in (
        ADMINS_ONLY
        | {
            400: error("Not our Last-Event-ID"),
            429: error("Too many open event streams (Retry-After: when one ends)"),
        }
    ).items()
}

# The 200 as FastAPI documents an event stream: each item an event (OpenAPI 3.2).
SSE_EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Events: request, run, mail, stats, ready, bye",
        "content": {"text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}},
    }
}

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0  # a comment line when nothing was sent for this long (proxies)
OVERLAP = timedelta(seconds=5)  # how late a commit may land and still be seen
HISTORY = timedelta(minutes=15)  # a new client (no Last-Event-ID) starts this far back
PAGE = 200  # rows per table per poll
# The stream's own request records, and the dashboard's controls, are not news.
QUIET_PATHS = ("/api/v1/events", "/api/v1/dashboard/")

_runs = TaskRun.__table__.c  # type: ignore[attr-defined]
_requests = RequestRecord.__table__.c  # type: ignore[attr-defined]
_mail = EmailDelivery.__table__.c  # type: ignore[attr-defined]
RUN_FIELDS = (
    "id name request_id status attempt queued_at started_at finished_at next_attempt_at "
    "duration_ms error_type error_message"
).split()
REQUEST_FIELDS = "request_id method path status_code received_at response_sent_at".split()
MAIL_FIELDS = "id recipient subject run_id claimed_at sent_at".split()


def to_cursor(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def from_cursor(cursor: str) -> datetime:
    return datetime.fromtimestamp(int(cursor) / 1_000_000, UTC)


# A cursor is a moment this server (or another one, its clock a little ahead) wrote.
EPOCH = datetime.fromtimestamp(0, UTC)
CLOCK_SKEW = timedelta(hours=1)
NOT_OURS = (
    "Last-Event-ID is not ours: an event id is a moment in microseconds since 1970, "
    "not later than now; reconnect without it to start from the recent past"
)


def last_event_id(last_event_id: Annotated[str | None, Header()] = None) -> datetime | None:
    """Where a reconnecting client stopped (the `Last-Event-ID` header it sends back)."""
    if last_event_id is None:
        return None
    try:
        moment = from_cursor(last_event_id)
    except (ValueError, OverflowError, OSError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NOT_OURS) from None
    if not EPOCH <= moment <= utcnow() + CLOCK_SKEW:  # year 1 would overflow `- OVERLAP`
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NOT_OURS)
    return moment


class Changes:
    """One client's view: rows touched since its cursor that it has not seen in that state."""

    def __init__(self, since: datetime) -> None:
        self.since = since
        self.sent: dict[tuple[str, str], tuple[datetime, tuple]] = {}  # key -> (touched, state)

    async def poll(self, session: AsyncSession) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
        """The new states (kind, row), oldest first, and whether a page was full."""
        now = utcnow()
        read_from = self.since - OVERLAP
        tables = (
            ("request", _requests, REQUEST_FIELDS, REQUEST_TOUCHED_AT),
            ("run", _runs, RUN_FIELDS, RUN_TOUCHED_AT),
            ("mail", _mail, MAIL_FIELDS, MAIL_TOUCHED_AT),
        )
        found: list[tuple[datetime, str, dict[str, Any]]] = []
        full_until: datetime | None = None
        for kind, table, fields, touched_at in tables:
            # The expression each table has an index on (models.py): the rows read are those
            # touched since `read_from`, in order, at most PAGE; never the whole table.
            query = select(touched_at.label("touched"), *(table[f] for f in fields))
            query = query.where(touched_at >= read_from)
            if kind == "request":
                for path in QUIET_PATHS:
                    query = query.where(table["path"].not_like(f"{path}%"))
            page = query.order_by(touched_at).limit(PAGE)
            rows = (await session.exec(page)).all()  # type: ignore[call-overload]
            if len(rows) == PAGE:  # more to read: go on from the last one, next time
                last = rows[-1].touched
                full_until = last if full_until is None else min(full_until, last)
            for row in rows:
                values = {f: getattr(row, f) for f in fields}
                found.append((row.touched, kind, values))
        news = []
        for touched, kind, values in sorted(found, key=lambda item: item[0]):
            key = (kind, str(values[fields_key(kind)]))
            state = tuple(values.values())
            if self.sent.get(key, (None, None))[1] != state:
                self.sent[key] = (touched, state)
                news.append((kind, values))
        # Move on (from the last row read, if a page was full); forget what cannot come back.
        self.since = full_until + OVERLAP if full_until else now
        horizon = self.since - OVERLAP
        self.sent = {k: v for k, v in self.sent.items() if v[0] >= horizon}
        return news, full_until is not None


def fields_key(kind: str) -> str:
    return {"request": "request_id", "run": "id", "mail": "id"}[kind]


# --8<-- [start:exit]
# Set by the server's exit signal (see `end_streams_on_exit`): every stream ends.
_exiting = threading.Event()


@contextmanager
def end_streams_on_exit() -> Iterator[None]:
    """For the lifespan: chain the server's SIGINT/SIGTERM handlers so they end the streams.

    uvicorn installs its handlers with `signal.signal` before the lifespan starts; this one
    marks the streams' end, then calls uvicorn's (which starts the graceful shutdown).
    Only where a server installed a handler (a callable), and only in the main thread.
    """
    _exiting.clear()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            handler = signal.getsignal(sig)
            if callable(handler):

                def chained(signum: int, frame: Any, handler: Any = handler) -> None:
                    _exiting.set()
                    handler(signum, frame)

                previous[sig] = (handler, chained)
                signal.signal(sig, chained)
    try:
        yield
    finally:
        for number, (handler, chained) in previous.items():
            if signal.getsignal(number) is chained:
                signal.signal(number, handler)


# --8<-- [end:exit]


# --8<-- [start:slots]
@dataclass(eq=False)
class Slot:
    admin_id: int | None
    ends: float  # the event loop's time when the stream ends (EVENT_STREAM_SECONDS)


# This process's open streams: each one polls the database a few times a second.
_open: list[Slot] = []


async def stream_slot(admin: AdminUser) -> AsyncIterator[Slot]:
    """A place among EVENT_STREAMS_MAX streams, EVENT_STREAMS_PER_ADMIN of them one admin's,
    or 429 with Retry-After: the seconds until the first of them ends. Held until the
    response is over (a dependency's exit runs after the last byte, or the client leaving)."""
    settings = get_settings()
    now = asyncio.get_running_loop().time()
    mine = [slot for slot in _open if slot.admin_id == admin.id]
    if len(_open) >= settings.event_streams_max:
        full, what = _open, f"this server has {len(_open)} event streams open"
    elif len(mine) >= settings.event_streams_per_admin:
        full, what = mine, f"you have {len(mine)} event streams open"
    else:
        slot = Slot(admin.id, now + settings.event_stream_seconds)
        _open.append(slot)
        try:
            yield slot
        finally:
            _open.remove(slot)
        return
    wait = max(1, math.ceil(min(slot.ends for slot in full) - now))
    raise HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        f"Too many event streams: {what}; try again in {wait} s",
        headers={"Retry-After": str(wait)},
    )


# --8<-- [end:slots]


# --8<-- [start:stream]
async def stream(user: User, since: datetime, ends: float) -> AsyncIterator[ServerSentEvent]:
    """Until `ends` (the event loop's time) or the server stops. A client that goes away
    ends it too: Starlette cancels a streaming response when the client disconnects."""
    changes = Changes(since)
    first = True
    loop = asyncio.get_running_loop()
    quiet_since = loop.time()
    while not _exiting.is_set() and (first or loop.time() < ends):
        # A client that leaves cancels the stream: at the next yield or sleep, never in
        # the middle of a query (a cancelled query costs its connection).
        with anyio.CancelScope(shield=True):
            async with db.session() as session:
                news, more = await changes.poll(session)
                stats = None
                if first or any(kind == "run" for kind, _ in news):
                    stats = [s.model_dump(mode="json") for s in await task_stats(user, session)]
        cursor = to_cursor(changes.since)
        for kind, values in news:
            yield ServerSentEvent(event=kind, id=cursor, data=values)
        if stats is not None:
            yield ServerSentEvent(event="stats", id=cursor, data=stats)
        if first:  # the client has the history: from here on, changes as they happen
            yield ServerSentEvent(event="ready", id=cursor, data={"cursor": cursor})
            first = False
        if news or stats is not None:
            quiet_since = loop.time()
        elif loop.time() - quiet_since >= KEEPALIVE_SECONDS:  # a proxy would close it
            yield ServerSentEvent(comment="ping")
            quiet_since = loop.time()
        if not more:
            await asyncio.sleep(POLL_SECONDS)
    if _exiting.is_set():
        yield ServerSentEvent(event="bye", data={"reason": "stopping"}, retry=1000)
    else:  # come back at once, from where this one stopped
        yield ServerSentEvent(event="bye", data={"reason": "lifetime"}, retry=0)


def encoded(event: ServerSentEvent) -> bytes:
    data = None if event.data is None else json.dumps(jsonable_encoder(event.data))
    return format_sse_event(
        data_str=data, event=event.event, id=event.id, retry=event.retry, comment=event.comment
    )


async def sent(events: AsyncIterator[ServerSentEvent], admin: User) -> AsyncIterator[bytes]:
    """The stream's bytes, for a plain `StreamingResponse`: a client that leaves cancels it,
    and that is one line at INFO. (FastAPI's own path for an endpoint that yields events
    forwards them through a keep-alive task that fails, into the log, when the client
    leaves while it holds an event.)"""
    opened = asyncio.get_running_loop().time()
    try:
        async for event in events:
            yield encoded(event)
    except anyio.get_cancelled_exc_class():
        took = asyncio.get_running_loop().time() - opened
        log.info("event stream of %s: the client left after %.1f s", admin.username, took)
        raise


class EventStream(StreamingResponse):
    """`text/event-stream`, sent as FastAPI sends one: not cached, not buffered by a proxy.
    (Not FastAPI's `EventSourceResponse`: as a route's class, it marks an endpoint that
    yields its events.)"""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes]) -> None:
        super().__init__(content, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/events", response_class=EventStream, status_code=200, responses=STREAM | ERRORS)
async def events(
    admin: AdminUser,
    resume_from: Annotated[datetime | None, Depends(last_event_id)],
    slot: Annotated[Slot, Depends(stream_slot)],
) -> EventStream:
    """Requests, task runs and emails as they change (event: request, run, mail, stats)."""
    changes = stream(admin, resume_from or utcnow() - HISTORY, slot.ends)
    return EventStream(sent(changes, admin))


# --8<-- [end:stream]
