"""Real outputs for the site: each build runs the demo app and records what it printed.

Before the pages are built, `record()` starts the demo app on uvicorn with a local SMTP
sink (`guide.live.demo_stack`), sends the requests each pattern page talks about, and
writes what came back (console lines, responses, a request's timeline, database rows) as
Markdown files in var/docs-generated/ (git-ignored), which the pages include with
`--8<--`. Nothing is typed by hand: change the app and the next build shows the change.

Every request carries an `X-Request-ID` naming its step; the app keeps it as the prefix of
its own id (`register-hedy-5f0c9a1e`), so the log lines say which step printed them.

`DOCS_OUTPUTS=skip` builds without running the app (quick edits under `mkdocs serve`);
each output block then says that it was not recorded.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from guide.live import FAST_HASHING, Cursor, DemoClient, DemoStack, demo_stack, elapsed_ms
from guide.live.client import login_form, new_user
from guide.tour.timeline import spans_of

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "var" / "docs-generated"
SOURCES = [ROOT / "demo_app", ROOT / "guide" / "live.py", Path(__file__)]

SLOW_SMTP_SECONDS = 0.3  # the registration step's mail server answers this slowly
SETTINGS = {  # on top of guide.live.FAST_HASHING (cheap password hashing: a fast build)
    "NEWSLETTER_BATCH_SIZE": "2",  # three subscribers: two batches, two tasks
    "TASK_RETRY_BASE_SECONDS": "0.2",  # the retry comes 0.2 s after the failure
    "SCHEDULER_POLL_SECONDS": "0.1",
}

SKIPPED = """\
!!! warning "Output not recorded"
    This build ran with `DOCS_OUTPUTS=skip`, so the demo app did not run and there is
    no output to show here. Build without it (`make docs`) to see the real output.
"""


@dataclass
class Step:
    request_id: str  # the server's id: the one sent, plus its 8 random hex digits
    method: str
    path: str
    status: int
    reason: str
    elapsed_ms: float
    body: object
    lines: list[str]


class Recorder:
    """Sends requests to a running demo stack and keeps what each one printed.

    Each request is sent by the live harness's client, which returns once every task of
    the request is finished and its lines are on the console (`DemoClient.wait_for_tasks`)."""

    def __init__(self, stack: DemoStack) -> None:
        self.stack = stack
        self.client = DemoClient(stack, tag="read", timeout=20)

    def request(
        self, request_id: str, method: str, path: str, *, user: str | None = None, **kwargs
    ) -> Step:
        """One request; returns once the tasks it scheduled are finished."""
        lines = Cursor(self.stack.server.lines)
        response = self.client.call(method, path, user=user, request_id=request_id, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
        self.client.wait_for_tasks(response, timeout=20)
        return Step(
            self.client.request_id(response),
            method,
            path,
            response.status_code,
            response.reason_phrase,
            elapsed_ms(response),
            response.json() if response.content else None,
            lines.new(),
        )

    def register(self, username: str, *, subscribe: bool = False) -> Step:
        payload = new_user(username, subscribe=subscribe)
        return self.request(f"register-{username}", "POST", "/api/v1/auth/register", json=payload)

    def login(self, username: str) -> Step:
        step = self.request(
            f"login-{username}", "POST", "/api/v1/auth/login", data=login_form(username)
        )
        assert isinstance(step.body, dict)
        self.client.tokens[username] = step.body["access_token"]
        return step

    def get(self, path: str, user: str) -> Any:
        """A read; returns once the server has logged it, so its line falls in no step."""
        response = self.client.call("GET", path, user=user)
        self.client.wait_for_tasks(response.raise_for_status())
        return response.json()

    def rows(self, query: str, *params) -> list[sqlite3.Row]:
        with sqlite3.connect(self.stack.workdir / "demo.db") as db:
            db.row_factory = sqlite3.Row
            return db.execute(query, params).fetchall()


def record() -> dict[str, str]:
    """Run the demo app through every pattern; one Markdown snippet per name."""

    out: dict[str, str] = {}
    arrivals: list[float] = []  # when each message reached the SMTP sink
    settings = FAST_HASHING | SETTINGS
    with demo_stack(settings, on_mail=lambda _: arrivals.append(time.perf_counter())) as stack:
        rec = Recorder(stack)
        rec.register("admin")
        stack.make_admin("admin")
        rec.login("admin")

        # Registration: the client's answer against the (slow) mail server's.
        stack.mail.delay = SLOW_SMTP_SECONDS
        sent_before = len(stack.mail.messages)
        started = time.perf_counter()
        register = rec.register("ada", subscribe=True)
        mail = stack.mail.wait_for(sent_before + 1)[sent_before]
        delivered_ms = (arrivals[sent_before] - started) * 1000
        stack.mail.delay = 0
        timeline = rec.get(f"/api/v1/requests/{register.request_id}/timeline", "admin")
        out["registration-timing"] = timing(register, delivered_ms, mail)
        out["registration-console"] = console(register)
        out["registration-timeline"] = (
            timeline_table(timeline)
            + '\n\n<div class="timeline-chart" markdown="0">'
            + timeline_chart(timeline)
            + "</div>"
        )

        # Audit logging: a login and an item, each recorded by log_user_action.
        login = rec.login("ada")
        item = rec.request(
            "create-item", "POST", "/api/v1/items", user="ada", json={"title": "Write the report"}
        )
        out["audit-console"] = console(login, item)
        audit = rec.rows(
            "SELECT created_at, username, action, details, request_id FROM audit_logs "
            "WHERE username = ? ORDER BY id",
            "ada",
        )
        out["audit-rows"] = table(audit)

        # Completion: the completion task runs on the transition only.
        item_url = f"/api/v1/items/{item.body['id']}"
        done = rec.request(
            "complete-item", "PUT", item_url, user="ada", json={"is_completed": True}
        )
        renamed = rec.request(
            "rename-item", "PUT", item_url, user="ada", json={"title": "Write the Q1 report"}
        )
        out["completion-console"] = console(done)
        out["completion-again-console"] = console(renamed)

        # Newsletter: three subscribers, batches of two.
        rec.register("grace", subscribe=True)
        rec.register("linus", subscribe=True)
        newsletter = rec.request(
            "send-newsletter",
            "POST",
            "/api/v1/send-newsletter",
            user="admin",
            json={"subject": "What's new", "body": "Background tasks, measured."},
        )
        out["newsletter-response"] = response_block(newsletter)
        out["newsletter-console"] = console(newsletter)

        # Uploads: 202 Accepted now, the result at the status URL later.
        text = "Background tasks run after the response.\nThey are not a queue.\n"
        upload = rec.request(
            "upload",
            "POST",
            "/api/v1/uploads",
            user="ada",
            files={"file": ("notes.txt", text.encode(), "text/plain")},
        )
        status_path = upload.body["status_url"].removeprefix(stack.url)
        status = rec.get(status_path, "ada")
        out["upload-response"] = response_block(upload)
        out["upload-console"] = console(upload)
        out["upload-status"] = json_block(f"GET {status_path}", status)

        # Retry: the mail server refuses the first attempt; the scheduler retries.
        stack.mail.reject.add("hedy@example.com")
        lines = Cursor(stack.server.lines)
        hedy = rec.client.register("hedy", request_id="register-hedy").raise_for_status()
        retrying = r"\[register-hedy-[0-9a-f]{8}\] task send_welcome_email retrying"
        stack.server.wait_for_line(retrying, 20, start=lines.position)
        stack.mail.reject.discard("hedy@example.com")
        rec.client.wait_for_tasks(hedy, timeout=20)
        retried = lines.new()
        runs = rec.get("/api/v1/tasks?name=send_welcome_email&limit=1", "admin")
        out["retry-console"] = console(retried)
        out["retry-run"] = json_block(
            "GET /api/v1/tasks?name=send_welcome_email&limit=1", _run_summary(runs[0])
        )
    caption = provenance()
    return {name: f"{caption}\n\n{text}" for name, text in out.items()}


def provenance() -> str:
    versions = ", ".join(f"{name} {version(name)}" for name in ("fastapi", "starlette", "uvicorn"))
    moment = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = f"Recorded {moment} while building this site ({versions})."
    return f'<small class="recorded">{text}</small>'


def console(*steps: Step | list[str]) -> str:
    lines = [line for step in steps for line in (step if isinstance(step, list) else step.lines)]
    return '```{.text .console title="The server\'s console"}\n' + "\n".join(lines) + "\n```"


def timing(step: Step, delivered_ms: float, mail) -> str:
    return (
        "| What | After |\n|---|---:|\n"
        f"| The client has its `{step.status} {step.reason}` | {step.elapsed_ms:.0f} ms |\n"
        f"| The mail server has accepted “{mail.subject}” "
        f"(it waits {SLOW_SMTP_SECONDS * 1000:.0f} ms before accepting) | {delivered_ms:.0f} ms |"
    )


def timeline_table(events: list[dict]) -> str:
    rows = [
        f"| {event['at_ms']:.1f} | {event['event']} | "
        f"{'`' + event['task'] + '`' if event['task'] else ''} | {event['status'] or ''} |"
        for event in events
    ]
    return "| ms | Event | Task | Status |\n|---:|---|---|---|\n" + "\n".join(rows)


def timeline_chart(events: list[dict], width: int = 640) -> str:
    """The same timeline drawn: one bar per task from its start to its end, on one scale
    from the request's arrival (0 ms), with the response's moment marked; the spans paired
    as the tour pairs them (`spans_of`). Inline SVG (no file, no script), so it reads the
    same wherever the page includes it."""
    response, *tasks = spans_of("request", events)
    end = max(span.end_ms for span in (response, *tasks)) or 1.0
    left, right, row = 170, 20, 26
    scale = (width - left - right) / end
    height = row * (len(tasks) + 2)
    parts = [
        f'<svg class="timeline-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width: 100%; height: auto" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>The request's tasks on one time axis: 0 to {end:.0f} ms after it arrived</title>",
    ]
    for n, span in enumerate(tasks):
        task, begin, stop, status = span.label, span.start_ms, span.end_ms, span.status
        y = row * (n + 1)
        x, w = left + begin * scale, max((stop - begin) * scale, 1.0)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="currentColor">{task}</text>'
            f'<rect class="task {status}" data-task="{task}" data-start-ms="{begin:.1f}" '
            f'data-end-ms="{stop:.1f}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="16" '
            f'rx="2" fill="#26a69a"><title>{task}: {begin:.1f}-{stop:.1f} ms, {status}</title>'
            "</rect>"
        )
    sent = response.end_ms
    x = left + sent * scale
    parts.append(
        f'<line class="response" data-at-ms="{sent:.1f}" x1="{x:.1f}" x2="{x:.1f}" '
        f'y1="{row - 6}" y2="{height - row + 4}" stroke="#ff7043" stroke-width="2"/>'
        f'<text x="{x + 4:.1f}" y="{row - 10}" font-size="11" fill="currentColor">'
        f"response sent, {sent:.1f} ms</text>"
    )
    axis = height - row + 12
    parts.append(
        f'<text x="{left}" y="{axis}" font-size="11" fill="currentColor">'
        "0 ms: request arrived</text>"
        f'<text x="{width - right}" y="{axis}" font-size="11" text-anchor="end" '
        f'fill="currentColor">{end:.0f} ms</text></svg>'
    )
    return "".join(parts)


def table(rows: list) -> str:
    if not rows:
        return "*(no rows)*"
    header = "| " + " | ".join(rows[0].keys()) + " |\n" + "|---" * len(rows[0].keys()) + "|\n"
    return header + "\n".join(
        "| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |"
        for row in rows
    )


def response_block(step: Step) -> str:
    return json_block(f"{step.method} {step.path} → {step.status} {step.reason}", step.body)


def json_block(title: str, body: object) -> str:
    text = json.dumps(body, indent=2, ensure_ascii=False)
    return f'```json title="{title}"\n{text}\n```'


def _run_summary(run: dict) -> dict:
    keep = ("name", "status", "attempt", "request_id", "error_type", "error_message")
    return {key: run[key] for key in keep} | {"duration_ms": run["duration_ms"]}


def write(snippets: dict[str, str], directory: Path = GENERATED) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in snippets.items():
        partial = directory / f".{name}.md.tmp"
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(directory / f"{name}.md")  # atomic: a concurrent build sees old or new


def included(docs: Path = ROOT / "docs") -> set[str]:
    """The recorded outputs that the pages include: `--8<-- "var/docs-generated/NAME.md"`."""
    pattern = re.compile(r'--8<-- "var/docs-generated/(?P<name>[-\w]+)\.md"')
    return {
        match["name"]
        for page in docs.rglob("*.md")
        for match in pattern.finditer(page.read_text(encoding="utf-8"))
    } - {"myths"}  # written by docs/hooks/myths.py


def sources_changed_at() -> float:
    files = [p for s in SOURCES for p in ([s] if s.is_file() else s.rglob("*.py"))]
    return max(p.stat().st_mtime for p in files)


# mkdocs events. Defining on_startup keeps this module alive across `mkdocs serve`
# rebuilds, so a rebuild records again only when the app's code has changed.
_recorded_for: float | None = None


def on_startup(command: str, dirty: bool) -> None:
    pass


def on_pre_build(config) -> None:
    global _recorded_for
    from mkdocs.exceptions import PluginError

    if os.environ.get("DOCS_OUTPUTS") == "skip":
        write({name: SKIPPED for name in included()})
        _recorded_for = None
        return
    changed_at = sources_changed_at()
    if _recorded_for == changed_at:
        return
    try:
        snippets = record()
    except Exception as error:
        raise PluginError(f"recording the demo app's outputs failed: {error}") from error
    if missing := included() - snippets.keys():
        raise PluginError(f"the pages include outputs that record() does not make: {missing}")
    write(snippets)
    _recorded_for = changed_at


if __name__ == "__main__":  # python docs/hooks/outputs.py: record and print
    for name, text in record().items():
        print(f"----- {name}\n{text}\n")
