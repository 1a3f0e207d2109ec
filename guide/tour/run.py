"""The tour itself: the demo stack, the steps one after another, what each request caused."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import httpx
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from demo_app.platform.log_events import TASK_ENDED, TASK_RAISED
from guide import sections
from guide.console import write_plain
from guide.live import (
    FAST_HASHING,
    Cursor,
    DemoClient,
    DemoStack,
    LiveServer,
    Run,
    demo_stack,
    elapsed_ms,
    request_id_of,
)
from guide.live.client import login_form, new_user
from guide.live.process import fields_of
from guide.tour.code import calls_in
from guide.tour.steps import RETRY_BASE_SECONDS, SLOW_MAIL, STEPS
from guide.tour.timeline import Span, render, spans_of

WAIT = 10.0  # seconds to wait for a request's tasks before moving on
API = "/api/v1"
PLAIN_APP = "guide.tour.plain_signup:app"
# The demo retries quickly in the tour, and its scheduler looks for due runs often.
TOUR_ENV = FAST_HASHING | {
    "TASK_RETRY_BASE_SECONDS": str(RETRY_BASE_SECONDS),
    "SCHEDULER_POLL_SECONDS": "0.2",
}
# What the demo's tasks print (not log lines): the tour shows their [TASK] and [AUDIT] lines.
PRINTED = re.compile(r"\[(TASK|AUDIT)\]")
# The app's log events the tour shows (their message): an attempt that raised, and one that
# ended with the run retrying or failed.
SHOWN_ENDS = ("retrying", "failed")
# The last line of a traceback uvicorn logs: `ConnectionRefusedError: [Errno 111] ...`
EXCEPTION_LINE = r"^[\w.]*(Error|Exception)\b.*: "


def shown_event(entry: dict[str, Any]) -> bool:
    """Whether the tour shows this log event of the app (its fields) as it arrives."""
    ended = TASK_ENDED.is_(entry) and entry["status"] in SHOWN_ENDS
    return ended or TASK_RAISED.is_(entry)


class Pace:
    """Between steps: wait for Enter (q then Enter stops), or go on at once (`auto`)."""

    def __init__(self, auto: bool, keys: IO[str] | None = None) -> None:
        self.auto = auto
        self.keys = keys if keys is not None else sys.stdin

    def next(self, tour: Tour, number: int) -> bool:
        """False: the reader asked to stop before step `number`."""
        if self.auto:
            return True
        prompt = f"Enter: step {number}/{len(STEPS)}, {STEPS[number].title}   (q, Enter: stop)"
        tour.show()
        tour.show(Text(prompt, style="reverse"))
        line = self.keys.readline()
        if not line:  # no more keys (end of input): go on without waiting
            self.auto = True
            return True
        return line.strip().lower() not in {"q", "quit"}


@dataclass
class Failure:
    """What step 5 did, for whoever wants to check it: the plain app's address and the
    demo's registration."""

    plain_address: str = ""
    plain_request: httpx.Response | None = None
    demo_address: str = ""
    demo_request: httpx.Response | None = None
    demo_runs: list[Run] = field(default_factory=list)


class Tour:
    def __init__(
        self,
        stack: DemoStack,
        console: Console,
        plain: bool,
        pace: Pace,
        plain_app: Future[LiveServer] | LiveServer,
    ) -> None:
        self.stack, self.console, self.plain, self.pace = stack, console, plain, pace
        self._plain_app = plain_app
        self.client = DemoClient(stack, tag="tour", timeout=WAIT)
        self.spans: list[Span] = []  # the current step's, for its timeline
        self.last_runs: list[Run] = []  # the last request's runs, as they were when done
        self.failure = Failure()
        self._lines = Cursor(stack.server.lines)
        self._inbox = Cursor(stack.mail.messages)
        self._started = 0.0

    @property
    def plain_app(self) -> LiveServer:
        """The plain BackgroundTasks app, once it is up."""
        if isinstance(self._plain_app, Future):
            self._plain_app = self._plain_app.result()
        return self._plain_app

    def show(self, *renderables: Any, **options: Any) -> None:
        """Print now; in plain mode without escape codes or trailing spaces."""
        if not self.plain:
            self.console.print(*renderables, **options)
            return
        with self.console.capture() as captured:
            self.console.print(*renderables, **options)
        write_plain(captured.get())

    # -- a step: its title, its code, its timeline, where to read on

    def step(self, number: int) -> bool:
        """Open step `number` (after the reader's key, from step 2 on). False: stopped."""
        if number > 1 and not self.pace.next(self, number):
            return False
        step = STEPS[number]
        self.spans = []
        self.show()
        self.show(Rule(f"{number}/{len(STEPS)}  {step.title}", style="cyan", align="left"))
        self.show(step.explanation)
        for code in step.code:
            excerpt = calls_in(code.path, code.function, code.names)
            self.show(Text(f"  {excerpt.path}, {excerpt.function}():", style="dim"))
            previous = None
            for line_number, text in excerpt.lines:
                if previous is not None and line_number > previous + 1:
                    self.show(Text("       ⋮", style="dim"))
                self.show(
                    Text.assemble((f"  {line_number:4} │ ", "dim"), (text, "bold")),
                    no_wrap=True,
                    overflow="ellipsis",
                )
                previous = line_number
        return True

    def end_step(self, number: int) -> None:
        step = STEPS[number]
        if self.spans:
            title = "each request from its arrival (0 ms), one scale for the step"
            self.show()
            self.show(render(self.spans, title, columns=self.console.width))
        section = sections.find(str(step.section), sections.load())
        name = f"{section.title}: {step.heading}" if section else step.heading
        self.show()
        self.show(Text.assemble(("Read next: ", "bold"), f"python -m guide {step.section}"))
        self.show(Text(f"  ({name})", style="dim"))

    # -- a request, and what it caused

    def request(
        self,
        method: str,
        path: str,
        user: str | None = None,
        *,
        retries: bool = True,
        heading: str = "",
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request to the demo and time it; show the task lines and emails it causes
        as they arrive, until its tasks are done (`retries=False`: until each has run once).
        The request's spans go on the step's timeline once it is all done."""
        self._lines, self._inbox = Cursor(self.stack.server.lines), Cursor(self.stack.mail.messages)
        self.sent(method, f"{API}{path}", kwargs.get("json") or kwargs.get("data"), heading)
        self._started = time.perf_counter()
        response = self.client.call(method, f"{API}{path}", user=user, **kwargs)
        self.answered(response)
        response.raise_for_status()
        self.last_runs = self.follow(response, retries=retries)
        if retries:
            self.add_spans(f"{method} {path}", response)
        return response

    def sent(self, method: str, url: str, body: object, heading: str = "") -> None:
        shown = json.dumps(body or "")
        self.show()
        if heading:
            self.show(Text(heading, style="bold"))
        self.show(
            Text.assemble("→ ", (f"{method} {url}", "bold"), f"  {shown}"),
            no_wrap=True,
            overflow="ellipsis",
        )

    def answered(self, response: httpx.Response) -> None:
        status = Text(f"{response.status_code} {response.reason_phrase}", "bold green")
        self.show(
            Text.assemble(
                "← ", status, f" in {elapsed_ms(response):.0f} ms  ", (response.text, "dim")
            ),
            no_wrap=True,
            overflow="ellipsis",
        )

    def follow(self, response: httpx.Response, *, retries: bool = True) -> list[Run]:
        """Show what the request's tasks print and the emails that arrive, until they are done."""
        deadline = time.monotonic() + WAIT
        while True:
            runs = self.client.finished_runs(response, retries=retries)
            for line in self._lines.new():  # everything printed up to `runs` is in here
                if (entry := fields_of(line)) is not None:
                    if shown_event(entry):
                        self.arrived(entry["message"], "red")
                elif PRINTED.search(line):
                    self.arrived(line.strip(), "yellow")
            for mail in self._inbox.new():
                self.arrived(f"📬 email to {mail.to}: {mail.subject!r}", "magenta")
            if runs is not None:
                return runs
            if time.monotonic() > deadline:
                self.show(f"  (still waiting after {WAIT:.0f} s: moving on)", style="red")
                return []
            time.sleep(0.02)

    def arrived(self, what: str, style: str) -> None:
        at = (time.perf_counter() - self._started) * 1000
        self.show(
            Text.assemble((f"  +{at:4.0f} ms  ", "dim"), (what, style)),
            no_wrap=True,
            overflow="ellipsis",
        )

    def add_spans(self, label: str, response: httpx.Response) -> None:
        events = self.client.timeline(response)
        _, runs = self.client.records.of(request_id_of(response))
        label = f"{label} → {response.status_code}"
        self.spans += spans_of(label, events, {run.id: run.attempt for run in runs})

    # -- the steps

    def run(self) -> bool:
        """All the steps, in order. False: the reader stopped before the last."""
        client = self.client
        client.make_admin("admin")  # the timelines are for admins only
        self.show(
            "An admin, `admin`, reads the timelines (python -m demo_app make-admin admin).",
            style="dim",
        )
        for number, step in enumerate(
            [self.registration, self.audit, self.completion, self.newsletter, self.mail_down],
            start=1,
        ):
            if not self.step(number):
                return False
            step()
            self.end_step(number)
        return True

    def registration(self) -> None:
        self.stack.mail.delay = SLOW_MAIL
        self.request("POST", "/auth/register", json=new_user("ada", subscribe=True))
        self.stack.mail.delay = 0

    def audit(self) -> None:
        login = self.request("POST", "/auth/login", data=login_form("ada"))
        self.client.tokens["ada"] = login.json()["access_token"]
        self.item = self.request("POST", "/items", "ada", json={"title": "Read the guide"}).json()

    def completion(self) -> None:
        self.request("PUT", f"/items/{self.item['id']}", "ada", json={"is_completed": True})

    def newsletter(self) -> None:
        client, mail = self.client, self.stack.mail
        for name, subscribe in (("grace", True), ("hedy", True), ("linus", False)):
            client.wait_for_tasks(client.register(name, subscribe=subscribe).raise_for_status())
        for name in ("ada", "grace", "hedy"):  # their welcome emails' links: confirmed readers
            client.confirm(name).raise_for_status()
        letter = {"subject": "Tasks after the response", "body": "The tour is nearly over."}
        self.request("POST", "/send-newsletter", "admin", json=letter)
        got = [m.to for m in mail.messages if m.subject == letter["subject"]]
        missed = [f"{n}@example.com" for n in ("ada", "grace", "hedy", "linus")]
        missed = [address for address in missed if address not in got]
        self.show(
            f"Newsletter delivered to: {', '.join(sorted(got))}.\n"
            f"No newsletter for: {', '.join(missed) or 'nobody'}.",
            style="bold",
        )

    def mail_down(self) -> None:
        mail, plain_app, failure = self.stack.mail, self.plain_app, self.failure
        mail.stop()
        self.show()
        self.show(
            f"✖ The mail server is down: 127.0.0.1:{mail.port} refuses connections.",
            style="bold red",
        )

        # The plain app: 201, then the task raises, and that is the end of it.
        failure.plain_address = "eve@example.com"
        start = len(plain_app.lines)
        heading = "The plain BackgroundTasks app:"
        self.sent("POST", f"{plain_app.url}/register", {"username": "eve"}, heading)
        self._started = time.perf_counter()
        signup = {"username": "eve", "email": failure.plain_address}
        failure.plain_request = httpx.post(f"{plain_app.url}/register", json=signup, timeout=WAIT)
        self.answered(failure.plain_request)
        # uvicorn logs the traceback once the task has raised: its last line says why.
        error = plain_app.wait_for_line(EXCEPTION_LINE, timeout=WAIT, start=start)
        self.arrived(f"the task raised: {error.strip()}", "red")  # uvicorn's log
        self.show(
            "  uvicorn logged the traceback; no record, so nothing will run it again.", style="red"
        )

        # The demo: the same 201; the run is recorded, fails, and is retried.
        failure.demo_address = "zoe@example.com"
        heading = "The demo app, which records each run:"
        signup = new_user("zoe")
        failure.demo_request = self.request(
            "POST", "/auth/register", json=signup, retries=False, heading=heading
        )
        mail.start()
        recorded = [f"{r.name} {r.status} (attempt {r.attempt})" for r in self.last_runs]
        self.show(f"  recorded: {', '.join(recorded)}", style="dim")  # once each had run once
        self.show(f"✔ The mail server is back on 127.0.0.1:{mail.port}.", style="bold green")
        failure.demo_runs = self.follow(failure.demo_request)
        self.add_spans("POST /auth/register", failure.demo_request)

        welcome = [run for run in failure.demo_runs if run.name == "send_welcome_email"]
        plain_got, demo_got = mail.to(failure.plain_address), mail.to(failure.demo_address)
        self.show()
        self.show(
            f"{failure.plain_address} (plain BackgroundTasks): "
            f"{'an email' if plain_got else 'no email, ever'}.\n"
            f"{failure.demo_address} (recorded run): "
            + (
                f"{len(demo_got)} email, sent on attempt {welcome[0].attempt}."
                if demo_got and welcome
                else "no email yet."
            ),
            style="bold",
        )


@contextmanager
def tour_stack() -> Iterator[tuple[DemoStack, Future[LiveServer]]]:
    """The demo stack, and the plain app beside it on the same mail server, started in the
    background while the first steps run."""
    with demo_stack(TOUR_ENV) as stack, ThreadPoolExecutor(max_workers=1) as pool:
        mail_env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(stack.mail.port)}
        plain_app = LiveServer(PLAIN_APP, env=mail_env)
        started = pool.submit(plain_app.start)
        try:
            yield stack, started
        finally:
            started.exception()  # waits until its start is over, however it went
            plain_app.stop()
