"""One way to drive a running demo app: tagged calls, and one way to wait for their tasks.

Every call carries an `X-Request-ID` (the caller's name for it, or `TAG-N`); the server's
own id for the request comes back in the response's `X-Request-ID` header.
`wait_for_tasks(response)` returns once every task run of that request is finished
(succeeded, failed or dead), read from the app's own run records in its database, so the
waiting adds no requests to the app's log. It then also waits until the app's log events
for the request's response and each run's last attempt (their fields, LOG_FORMAT=json:
demo_app/platform/log_events.py) have reached the console we keep, so whatever a task
printed before them is there to show.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from demo_app.platform.log_events import RESPONSE_SENT, TASK_ENDED
from guide.live.process import LiveServer, fields_of
from guide.live.stack import PASSWORD, DemoStack

API = "/api/v1"
FINISHED = ("succeeded", "failed", "dead")  # a run in any other status may still run
BETWEEN_ATTEMPTS = ("retrying",)  # an attempt failed; the next is scheduled


@dataclass(frozen=True)
class Run:
    """One task run, as the app recorded it."""

    id: str
    name: str
    status: str
    attempt: int
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def between_attempts(self) -> bool:
        return self.status in BETWEEN_ATTEMPTS


class RunRecords:
    """The app's request records and task runs, read straight from its database."""

    def __init__(self, database_url: str) -> None:
        from sqlalchemy import create_engine

        from demo_app.db import sync_url

        self.engine = create_engine(sync_url(database_url))

    def of(self, request_id: str) -> tuple[bool, list[Run]]:
        """Whether the request's response is recorded, and its runs in the order queued."""
        from sqlalchemy import select

        from demo_app.models import RequestRecord, TaskRun

        runs, records = TaskRun.__table__.c, RequestRecord.__table__.c  # type: ignore[attr-defined]
        columns = [getattr(runs, field) for field in Run.__dataclass_fields__]
        with self.engine.connect() as conn:
            recorded = conn.execute(
                select(records.request_id).where(records.request_id == request_id)
            ).first()
            rows = conn.execute(
                select(*columns).where(runs.request_id == request_id).order_by(runs.queued_at)
            ).all()
        # plain strings, not the model's enum: what a reader prints is the value
        found = [Run(**{**row._asdict(), "status": str(row.status)}) for row in rows]
        return recorded is not None, found

    def close(self) -> None:
        self.engine.dispose()


class Sent:
    """Where the consoles stood when a request was sent."""

    def __init__(
        self,
        server: LiveServer,
        outputs: Sequence[LiveServer],
        *,
        from_start: bool = False,
        earlier: Sequence[LiveServer] = (),
    ) -> None:
        """`from_start`: a request someone else sent; the consoles are read from their start,
        the server's and those of `earlier` servers (a restart since: it may have been
        answered, and its tasks run, by a server that is gone)."""
        self.server = server
        self.earlier = list(earlier)
        # id(process.lines) -> its length then
        self.starts = {} if from_start else {id(p.lines): len(p.lines) for p in [*outputs, server]}

    def caught_up(self, request_id: str, runs: list[Run], outputs: Sequence[LiveServer]) -> bool:
        """The app logged the request's `response.sent` event on the server's console, and
        each run the `task.ended` event of its latest attempt, on the consoles in `outputs`
        (a server restarted since: its new console)."""
        servers = [*self.earlier, self.server]
        answered = (entry for server in servers for entry in self._events(server, request_id))
        if not any(RESPONSE_SENT.is_(entry) for entry in answered):
            return False
        expected = Counter((run.name, run.status, run.attempt) for run in runs)
        ended = Counter(
            (entry["task"], entry["status"], entry["attempt"])
            for process in [*self.earlier, *outputs]
            for entry in self._events(process, request_id)
            if TASK_ENDED.is_(entry)
        )
        return all(ended[run] >= count for run, count in expected.items())

    def _events(self, process: LiveServer, request_id: str) -> list[dict[str, Any]]:
        """The fields of the request's log events on `process`'s console since the send."""
        lines = process.lines[self.starts.get(id(process.lines), 0) :]
        found = (fields_of(line) for line in lines)
        return [entry for entry in found if entry and entry["request_id"] == request_id]


class DemoClient:
    """HTTP calls to one demo stack, and the wait for what they caused.

    `outputs` names the processes whose console shows the tasks' lines: the app's server
    (the default), or the Celery workers.
    """

    def __init__(
        self,
        stack: DemoStack,
        *,
        tag: str = "call",
        timeout: float = 30.0,
        outputs: Callable[[], Sequence[LiveServer]] | None = None,
    ) -> None:
        if stack.server.env.get("LOG_FORMAT") != "json":
            raise ValueError(
                "DemoClient reads the app's log events: start it with LOG_FORMAT=json "
                "(demo_env and demo_stack do)"
            )
        self.stack = stack
        self.tag = tag
        self.http = httpx.Client(base_url=stack.url, timeout=timeout)
        self.records = RunRecords(stack.database_url)
        self.outputs = outputs or (lambda: [self.stack.server])
        self.tokens: dict[str, str] = {}
        self._numbers = itertools.count(1)
        self._sent: dict[str, Sent] = {}  # by the server's request id
        self._ids: dict[str, str] = {}  # the X-Request-ID we sent -> the server's id

    def call(
        self,
        method: str,
        path: str,
        *,
        user: str | None = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One real HTTP request; `user` sends that user's token (see `login`)."""
        tag = request_id or f"{self.tag}-{next(self._numbers)}"
        sent_headers = {"X-Request-ID": tag, **(headers or {})}
        if user is not None:
            sent_headers["Authorization"] = f"Bearer {self.tokens[user]}"
        sent = Sent(self.stack.server, self.outputs())
        response = self.http.request(method, path, headers=sent_headers, **kwargs)
        self._sent[request_id_of(response)] = sent
        self._ids[sent_headers["X-Request-ID"]] = request_id_of(response)
        return response

    def request_id(self, request: httpx.Response | str) -> str:
        """The server's id for a request: from its response, or from the X-Request-ID we
        sent it with (the server may keep that as a correlation only), or the id itself."""
        if isinstance(request, str):
            return self._ids.get(request, request)
        return request_id_of(request)

    def register(self, username: str, *, subscribe: bool = False, **kwargs: Any) -> httpx.Response:
        payload = new_user(username, subscribe=subscribe)
        return self.call("POST", f"{API}/auth/register", json=payload, **kwargs)

    def confirm(self, username: str, **kwargs: Any) -> httpx.Response:
        """Follow the link in USERNAME@example.com's welcome email (wait for its tasks first),
        as its reader would: the address is confirmed, and the newsletter goes to it."""
        address = f"{username}@example.com"
        deadline = time.monotonic() + 10
        while not (welcomes := [m for m in self.stack.mail.to(address) if "Welcome" in m.subject]):
            assert time.monotonic() < deadline, f"no welcome email to {address} in 10 s"
            time.sleep(0.05)
        welcome = welcomes[-1]
        link = re.search(rf"{API}/auth/verify\?token=[\w.-]+", welcome.text)
        assert link, f"no confirmation link in the welcome email to {address}"
        return self.call("GET", link.group(), **kwargs)

    def login(self, username: str, **kwargs: Any) -> httpx.Response:
        """Log in; later calls with `user=username` carry the token."""
        response = self.call("POST", f"{API}/auth/login", data=login_form(username), **kwargs)
        self.tokens[username] = response.raise_for_status().json()["access_token"]
        return response

    def make_admin(self, username: str = "admin") -> str:
        """Register `username`, make it an admin, log it in; its tasks are over on return."""
        registered = self.register(username).raise_for_status()
        self.stack.make_admin(username)
        logged_in = self.login(username)
        self.wait_for_tasks(registered)
        self.wait_for_tasks(logged_in)
        return username

    def finished_runs(
        self, request: httpx.Response | str, *, retries: bool = True
    ) -> list[Run] | None:
        """The request's task runs if every one is finished and the console has caught up;
        None while any may still run. `request`: the response, or the server's request id.
        With `retries=False`, a run waiting for its next attempt counts as done: what the
        request's first attempts did, without waiting out the backoff.

        The app logs a request's `response.sent` event just before it records the response,
        and a run's `task.ended` just after it records the attempt's outcome: once these
        events are here, the consoles hold everything the request and its tasks printed."""
        request_id = self.request_id(request)
        recorded, runs = self.records.of(request_id)
        done = [run.finished or (not retries and run.between_attempts) for run in runs]
        if not recorded or not all(done):
            return None
        sent = self._sent.get(request_id) or Sent(
            self.stack.server, [], from_start=True, earlier=self.stack.earlier
        )
        if not sent.caught_up(request_id, runs, self.outputs()):
            return None
        return runs

    def wait_for_tasks(
        self, request: httpx.Response | str, timeout: float = 10.0, *, retries: bool = True
    ) -> list[Run]:
        """The request's task runs, once `finished_runs` has them (every run finished; with
        `retries=False`, every run finished or waiting for its next attempt)."""
        deadline = time.monotonic() + timeout
        while (runs := self.finished_runs(request, retries=retries)) is None:
            if time.monotonic() > deadline:
                request_id = self.request_id(request)
                _, runs = self.records.of(request_id)
                states = [f"{run.name}: {run.status}" for run in runs]
                raise TimeoutError(f"request {request_id}: not done after {timeout}s: {states}")
            time.sleep(0.02)
        return runs

    def timeline(self, request: httpx.Response | str, admin: str = "admin") -> list[dict]:
        """The server's timeline of the request (an admin's view: see `make_admin`)."""
        request_id = self.request_id(request)
        path = f"{API}/requests/{request_id}/timeline"
        return self.call("GET", path, user=admin).raise_for_status().json()

    def close(self) -> None:
        self.http.close()
        self.records.close()

    def __enter__(self) -> DemoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def new_user(username: str, *, subscribe: bool = False) -> dict[str, Any]:
    """A registration: USERNAME@example.com, the demo password."""
    return {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "subscribe_newsletter": subscribe,
    }


def login_form(username: str) -> dict[str, str]:
    return {"username": username, "password": PASSWORD}


def request_id_of(response: httpx.Response) -> str:
    """The server's id for the request that got `response`."""
    return response.headers.get("x-request-id") or response.request.headers["x-request-id"]


def elapsed_ms(response: httpx.Response) -> float:
    """How long the client waited for the whole response."""
    return response.elapsed.total_seconds() * 1000
