"""`python -m guide tour`: start the demo app and watch its background tasks, step by step.

The tour runs the real app (uvicorn in a child process, a temporary SQLite database and a
local SMTP server, all on 127.0.0.1) and sends it real HTTP requests. For each request it
shows how long the response took, the task output and emails as they arrive, and the
server's own timeline: when the response left and when each task ran. It needs no key
presses, and removes the server and its files when it ends. Plain text (no escape codes)
with --plain, with NO_COLOR, or when piped; no pauses with --fast or GUIDE_TOUR_FAST=1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import httpx
from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from guide.console import is_plain, make_console, write_plain
from guide.live import (
    FAST_HASHING,
    Cursor,
    DemoClient,
    DemoStack,
    demo_stack,
    elapsed_ms,
    request_id_of,
)
from guide.live.client import login_form, new_user

SLOW_MAIL = 0.3  # seconds the local mail server waits before taking each email (step 1)
PAUSE = 1.0  # seconds between steps on a terminal, to read; --fast skips them
WAIT = 10.0  # seconds to wait for a request's tasks before moving on
API = "/api/v1"
TASK_LINE = re.compile(r"\[(TASK|AUDIT)\]")
EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
STEPS = {
    1: (
        "Registration sends a welcome email",
        "The route saves the user, adds send_welcome_email and log_user_action to the "
        "background tasks, and returns.\nThe local mail server is made slow on purpose: "
        f"{SLOW_MAIL * 1000:.0f} ms per email.",
    ),
    2: (
        "Audit logging",
        "Logging in and creating an item each add log_user_action: the audit row is written "
        "after the response.",
    ),
    3: (
        "Processing on completion",
        "Completing an item adds process_item_completion: it counts the owner's completed "
        "items and awards a badge.",
    ),
    4: (
        "A newsletter to the subscribers",
        "grace and hedy register and subscribe, linus registers without; ada subscribed in "
        "step 1.\nThen the admin sends a newsletter: one send_batch_email task per batch of 50.",
    ),
}
NEXT = """\
  python -m guide          read the guide (python -m guide list: its sections)
  python -m guide serve    run the demo app yourself; open /docs to try each route
  notebooks/               the same patterns, cell by cell, in Jupyter
  make test                the test suite, with a test for each claim the guide makes"""


class Tour:
    def __init__(self, stack: DemoStack, console: Console, plain: bool, pause: float) -> None:
        self.stack, self.console, self.plain, self.pause = stack, console, plain, pause
        self.client = DemoClient(stack, tag="tour", timeout=WAIT)

    def show(self, *renderables, **options) -> None:
        """Print now; in plain mode without escape codes or trailing spaces."""
        if not self.plain:
            self.console.print(*renderables, **options)
            return
        with self.console.capture() as captured:
            self.console.print(*renderables, **options)
        write_plain(captured.get())

    def step(self, number: int) -> None:
        title, explanation = STEPS[number]
        if number > 1:
            time.sleep(self.pause)
        self.show()
        self.show(Rule(f"{number}/4  {title}", style="cyan", align="left"))
        self.show(explanation)

    def request(self, method: str, path: str, user: str | None = None, **kwargs):
        """Send one request and time it; show the task lines and emails it causes as they
        arrive, until every task of the request is finished; then show the request's
        timeline. Returns the response."""
        lines, inbox = Cursor(self.stack.server.lines), Cursor(self.stack.mail.messages)
        body = json.dumps(kwargs.get("json") or kwargs.get("data") or "")
        sent = Text.assemble("→ ", (f"{method} {API}{path}", "bold"), f"  {body}")
        self.show()
        self.show(sent, no_wrap=True, overflow="ellipsis")
        started = time.perf_counter()
        response = self.client.call(method, f"{API}{path}", user=user, **kwargs)
        status = Text(f"{response.status_code} {response.reason_phrase}", "bold green")
        self.show(
            Text.assemble(
                "← ", status, f" in {elapsed_ms(response):.0f} ms  ", (response.text, "dim")
            ),
            no_wrap=True,
            overflow="ellipsis",
        )
        response.raise_for_status()
        deadline = time.monotonic() + WAIT
        while True:
            done = self.client.finished_runs(response) is not None
            for line in lines.new():  # everything printed up to `done` is in here
                if TASK_LINE.search(line):
                    self.arrived(started, line.strip(), "yellow")
            for mail in inbox.new():
                self.arrived(started, f"📬 email to {mail.to}: {mail.subject!r}", "magenta")
            if done:
                break
            if time.monotonic() > deadline:
                self.show(f"  (still waiting after {WAIT:.0f} s: moving on)", style="red")
                break
            time.sleep(0.02)
        self.timeline(response)
        return response

    def arrived(self, started: float, what: str, style: str) -> None:
        at = (time.perf_counter() - started) * 1000
        self.show(Text.assemble((f"  +{at:4.0f} ms  ", "dim"), (what, style)))

    def timeline(self, response) -> None:
        """The server's record of the request: when its response left, when each task ran."""
        events = self.client.timeline(response)
        end = max(event["at_ms"] for event in events) or 1.0
        table = Table(
            box=None,
            padding=(0, 1),
            title_justify="left",
            title_style="dim",
            title=f"timeline of request {request_id_of(response)}, in ms after it arrived",
        )
        table.add_column("ms", justify="right")
        table.add_column("event")
        table.add_column("task")
        table.add_column("")
        for event in events:
            is_response = event["event"] == "response sent"
            table.add_row(
                f"{event['at_ms']:.1f}",
                event["event"],
                event["task"] or "",
                Text(bar(event["at_ms"] / end), "green" if is_response else "yellow"),
                style="bold green" if is_response else "",
            )
        self.show()
        self.show(table)
        sent = next(e["at_ms"] for e in events if e["event"] == "response sent")
        self.show(
            f"The response left at {sent:.1f} ms; the tasks ran until {end:.1f} ms.", style="bold"
        )

    def run(self) -> None:
        mail, client = self.stack.mail, self.client
        client.make_admin("admin")  # the timelines are for admins only
        self.show(
            "An admin, `admin`, reads the timelines (python -m demo_app make-admin admin).",
            style="dim",
        )

        self.step(1)
        mail.delay = SLOW_MAIL
        self.request("POST", "/auth/register", json=new_user("ada", subscribe=True))
        mail.delay = 0

        self.step(2)
        login = self.request("POST", "/auth/login", data=login_form("ada"))
        client.tokens["ada"] = login.json()["access_token"]
        item = self.request("POST", "/items", "ada", json={"title": "Read the guide"}).json()

        self.step(3)
        self.request("PUT", f"/items/{item['id']}", "ada", json={"is_completed": True})

        self.step(4)
        for name, subscribe in (("grace", True), ("hedy", True), ("linus", False)):
            client.wait_for_tasks(client.register(name, subscribe=subscribe).raise_for_status())
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


def bar(fraction: float, width: int = 32) -> str:
    """`fraction` of `width` cells in block characters, to an eighth of a cell: ███▍"""
    eighths = round(fraction * width * 8)
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8] or "▏"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m guide tour",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")
    parser.add_argument("--fast", action="store_true", help="no pauses between the steps")
    args = parser.parse_args(argv)
    plain = is_plain(args.plain)
    fast = args.fast or bool(os.environ.get("GUIDE_TOUR_FAST")) or not sys.stdout.isatty()
    began = time.perf_counter()
    try:
        with demo_stack(FAST_HASHING) as stack:
            tour = Tour(stack, make_console(plain), plain, pause=0 if fast else PAUSE)
            tour.show(
                f"The demo app is running at {stack.url}, with a temporary database "
                "and a local mail server.",
                style="bold",
            )
            with tour.client:
                tour.run()
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, httpx.HTTPError, TimeoutError) as error:
        print(f"The tour stopped: {error}", file=sys.stderr)
        return 1
    tour.show()
    tour.show(Rule("Where next", style="cyan", align="left"))
    tour.show(
        f"The tour took {time.perf_counter() - began:.1f} s; the server and its "
        f"temporary files are gone. Next:\n{NEXT}"
    )
    return 0
