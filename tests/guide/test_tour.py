"""`python -m guide tour`: the real demo app, real requests, one step at a time.

Piped, on a terminal (a pty, keys fed to it) and in-process with a slow display; the
failure step is checked from the mail server and the run records, not only from the text.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from guide import sections
from guide.console import make_console
from guide.tour.code import calls_in
from guide.tour.run import Pace, Tour, tour_stack
from guide.tour.steps import STEPS
from guide.tour.timeline import BAR_WIDTH, Span, bar, render
from guide.tour.where_next import where_next
from tests.support import REPO, require

live = pytest.mark.live
COUNT = len(STEPS)
RULE = re.compile(rf"^([1-{COUNT}])/{COUNT} ", re.MULTILINE)
PROMPT = "Enter: step {}/" + str(COUNT)


def environment() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("GUIDE_TOUR_FAST", None)
    return env


@pytest.fixture(scope="module")
def tour() -> subprocess.CompletedProcess[str]:
    # Piped, with a stdin that never ends: a tour that waited for a key would hang there,
    # and fail on the timeout (TimeoutExpired), not in an assertion.
    keys, never_written = os.pipe()
    try:
        return subprocess.run(
            [sys.executable, "-m", "guide", "tour", "--plain"],
            stdin=keys,
            capture_output=True,
            text=True,
            env=environment(),
            cwd=REPO,
            timeout=60,
        )
    finally:
        os.close(keys)
        os.close(never_written)


@pytest.fixture(scope="module")
def steps(tour) -> dict[int, str]:
    """The output of each step, by number: the text from its `N/5` rule to the next."""
    return split_steps(tour.stdout)


def split_steps(output: str) -> dict[int, str]:
    parts = RULE.split(output.split("Where next")[0])
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


# -- the timeline, as printed: `  label   start–end  bar`, bars from the axis's `0 ms` column

ROW = re.compile(r"^ +(?P<label>\S.*?) +(?P<start>[\d.]+)–(?P<end>[\d.]+) ")


def timeline(step: str) -> tuple[float, int, list[dict]]:
    """The step's scale (ms, as printed on the axis), the bars' width, and its rows: label,
    start, end, and the columns its bar covers."""
    lines = step.splitlines()
    title = next(n for n, line in enumerate(lines) if line.startswith("each request from"))
    axis = lines[title + 1]
    column = axis.index(" 0 ms ") + 1
    scale = float(re.search(r"(\d+) ms$", axis)[1])
    width = len(axis) - column  # the axis spans the bars' columns
    rows = []
    for line in lines[title + 2 :]:
        if not (match := ROW.match(line)):
            break
        cells = line[column:]
        first = len(cells) - len(cells.lstrip(" "))
        rows.append(
            {
                "label": match["label"],
                "start": float(match["start"]),
                "end": float(match["end"]),
                "columns": (first, len(cells.rstrip())),
                "blocks": set(cells.strip()),
            }
        )
    return scale, width, rows


def task_rows(step: str) -> list[str]:
    return [row["label"] for row in timeline(step)[2] if "→" not in row["label"]]


# -- piped


@live
def test_the_piped_tour_runs_every_step_in_order_without_waiting(tour):
    assert tour.returncode == 0, tour.stderr
    assert "\x1b" not in tour.stdout
    assert [int(n) for n in RULE.findall(tour.stdout)] == list(range(1, COUNT + 1))
    assert "Enter: step" not in tour.stdout
    assert "stopped early" not in tour.stdout
    assert "python -m guide serve" in tour.stdout.split("Where next")[-1]
    assert where_next(REPO) in tour.stdout.split("Where next")[-1]  # a checkout's: make test


@live
def test_the_first_line_comes_before_the_demo_is_up(tour):
    first, second = tour.stdout.splitlines()[:2]
    assert first.startswith("Starting the demo app")
    assert second.startswith("The demo app is running at http://127.0.0.1:")


@live
def test_every_audit_line_is_shown_in_its_step(steps):
    audits = {
        number: re.findall(r"\[AUDIT\] User '(\w+)' performed action '(\w+)'", step)
        for number, step in steps.items()
    }
    assert audits == {
        1: [("ada", "REGISTER")],
        2: [("ada", "LOGIN"), ("ada", "CREATE_ITEM")],
        3: [("ada", "UPDATE_ITEM")],
        4: [],
        5: [("zoe", "REGISTER")],
    }


@live
def test_registration_welcome_email_arrives_after_the_response(steps):
    step = steps[1]
    assert "300 ms per email" in step
    assert "📬 email to ada@example.com: 'Welcome to the guide demo: confirm your address'" in step
    response_ms = float(re.search(r"← 201 Created in (\d+) ms", step)[1])
    _, _, rows = timeline(step)
    sent = next(row for row in rows if row["label"] == "POST /auth/register → 201")
    email = next(row for row in rows if row["label"] == "send_welcome_email")
    assert email["end"] - email["start"] >= 300  # the slow mail server
    assert sent["end"] <= email["start"]
    assert response_ms < email["end"]


@live
def test_completing_an_item_awards_a_badge(steps):
    assert "🏆 [TASK] ada earned 'First step'" in steps[3]
    assert "'Achievement unlocked: First step'" in steps[3]


@live
def test_the_newsletter_reaches_exactly_the_subscribers(steps):
    newsletters = re.findall(r"📬 email to (\S+): 'Tasks after the response'", steps[4])
    assert sorted(newsletters) == ["ada@example.com", "grace@example.com", "hedy@example.com"]
    assert "No newsletter for: linus@example.com." in steps[4]


@live
def test_each_timeline_is_shown_once_every_task_of_the_step_is_finished(steps):
    """The timeline draws finished runs only: one read too early would miss a row."""
    assert task_rows(steps[1]) == ["send_welcome_email", "log_user_action"]
    assert task_rows(steps[2]) == ["log_user_action", "send_item_notification", "log_user_action"]
    assert task_rows(steps[3]) == [
        "send_item_notification",
        "log_user_action",
        "process_item_completion",
    ]
    assert task_rows(steps[4]) == ["send_batch_email"]
    assert sorted(task_rows(steps[5]))[0] == "log_user_action"
    assert re.fullmatch(r"send_welcome_email \(attempt [2-5]\)", sorted(task_rows(steps[5]))[1])


@live
def test_the_bars_of_a_step_share_one_scale(steps):
    for number, step in steps.items():
        scale, width, rows = timeline(step)
        assert width == BAR_WIDTH  # on 100 columns
        latest = max(row["end"] for row in rows)
        assert abs(scale - latest) <= 0.6, step  # the axis ends at the step's last end
        for row in rows:
            first, last = row["columns"]
            assert row["blocks"] == {"█"}, step
            assert abs(first - row["start"] / latest * width) <= 1, (number, row)
            assert abs(last - max(row["end"] / latest * width, first + 1)) <= 1, (number, row)
        # every request from its own arrival: each starts at 0, and the step's longest
        # one reaches the end of the axis; a request scaled on its own would too
        responses = [row for row in rows if "→" in row["label"]]
        assert all(row["start"] == 0 and row["columns"][0] == 0 for row in responses)
        assert max(row["columns"][1] for row in rows) == width


@live
def test_each_step_shows_its_code_from_the_real_file(steps):
    for number, step in steps.items():
        shown = re.findall(r"^  (\S+\.py), (\w+)\(\):\n((?:(?: +\d+ │ .*| +⋮)\n)+)", step, re.M)
        assert [(path, function) for path, function, _ in shown] == [
            (code.path, code.function) for code in STEPS[number].code
        ]
        code_lines = 0
        for path, _, block in shown:
            real = (REPO / path).read_text(encoding="utf-8").splitlines()
            for number_, text in re.findall(r"^ +(\d+) │ (.*)$", block, re.M):
                code_lines += 1
                expected = real[int(number_) - 1].strip()
                assert expected.startswith(text.strip().removesuffix("…")), (path, number_)
        assert code_lines in range(1, 9), step  # a few lines, not the whole route
        assert "add_task(" in step
    assert "background_tasks.add_task(send_welcome_email" in steps[5]


@live
def test_each_step_names_the_section_to_read_next(steps):
    for number, step in steps.items():
        assert f"Read next: python -m guide {STEPS[number].section}\n" in step
        assert STEPS[number].heading in step


def test_each_steps_section_has_the_heading_it_names():
    loaded = sections.load()
    for step in STEPS.values():
        section = sections.find(str(step.section), loaded)
        assert section is not None, step
        assert f"\n## {step.heading}\n" in section.source(), (section.path, step.heading)


@live
def test_the_failure_step_shows_the_lost_email_and_the_retried_one(steps):
    step = steps[5]
    assert re.search(r"POST http://127\.0\.0\.1:\d+/register .*\n← 201 Created", step)
    assert "ConnectionRefusedError" in step
    assert "eve@example.com (plain BackgroundTasks): no email, ever." in step
    assert re.search(r"task send_welcome_email failed: SMTPConnectError", step)
    assert re.search(r"recorded: .*send_welcome_email retrying \(attempt \d\)", step)
    attempt = int(
        re.search(r"zoe@example.com \(recorded run\): 1 email, sent on attempt (\d)", step)[1]
    )
    assert attempt >= 2
    assert step.count("📬 email to zoe@example.com") == 1
    assert "📬 email to eve@example.com" not in step


# -- in-process, with a slow display: every line once; the failure step from its records


class SlowTour(Tour):
    """The tour with a display that takes 30 ms a line (a slow terminal, a busy machine):
    what arrives while it prints must still be shown, once."""

    def show(self, *renderables, **options) -> None:
        time.sleep(0.03)
        super().show(*renderables, **options)


@pytest.fixture(scope="module")
def slow_tour():
    """The whole tour in this process; what the mail server received and the runs recorded
    are read before the stack goes."""
    printed = io.StringIO()
    with tour_stack() as (stack, plain_app), contextlib.redirect_stdout(printed):
        tour = SlowTour(stack, make_console(plain=True), True, Pace(auto=True), plain_app)
        with tour.client:
            finished = tour.run()
            failure = tour.failure
            _, runs = tour.client.records.of(tour.client.request_id(failure.demo_request))
        plain_lines = list(tour.plain_app.lines)
        received = list(stack.mail.messages)
    return {
        "finished": finished,
        "steps": split_steps(printed.getvalue()),
        "failure": failure,
        "runs": runs,
        "received": received,
        "plain_lines": plain_lines,
    }


@live
def test_a_slow_display_loses_no_task_line_or_email(slow_tour):
    assert slow_tour["finished"]
    steps = slow_tour["steps"]
    newsletters = re.findall(r"📬 email to (\S+): 'Tasks after the response'", steps[4])
    assert sorted(newsletters) == ["ada@example.com", "grace@example.com", "hedy@example.com"]
    for number, actions in {
        1: ["REGISTER"],
        2: ["LOGIN", "CREATE_ITEM"],
        3: ["UPDATE_ITEM"],
    }.items():
        assert (
            re.findall(r"\[AUDIT\] User 'ada' performed action '(\w+)'", steps[number]) == actions
        )
    assert len(re.findall(r"📬 email to ada@example.com: 'Welcome", steps[1])) == 1
    assert len(re.findall(r"📬 email to zoe@example.com: 'Welcome", steps[5])) == 1


@live
def test_the_plain_send_loses_its_email_for_good(slow_tour):
    failure = slow_tour["failure"]
    assert failure.plain_request.status_code == 201  # the client heard nothing of it
    lines = slow_tour["plain_lines"]
    assert any(line.startswith("ConnectionRefusedError") for line in lines)
    assert not any("welcome email sent" in line for line in lines)
    # The mail server was back, and took the demo's retry; the plain app sent nothing more.
    assert [m for m in slow_tour["received"] if failure.plain_address in m.rcpt_tos] == []


@live
def test_the_recorded_run_is_retried_and_its_email_delivered_once(slow_tour):
    failure = slow_tour["failure"]
    assert failure.demo_request.status_code == 201
    runs = {run.name: run for run in slow_tour["runs"]}
    welcome = runs["send_welcome_email"]
    assert welcome.status == "succeeded" and welcome.attempt >= 2  # the first attempt failed
    assert runs["log_user_action"].attempt == 1  # the failure did not stop the next task
    delivered = [m for m in slow_tour["received"] if failure.demo_address in m.rcpt_tos]
    assert [m.subject for m in delivered] == ["Welcome to the guide demo: confirm your address"]
    shown = f"sent on attempt {welcome.attempt}."
    assert shown in slow_tour["steps"][5]


# -- on a terminal: Enter moves on; --auto never waits


READ_SYSCALL = {"x86_64": 0, "aarch64": 63}.get(platform.machine())


class Terminal:
    """`python -m guide tour ARGS` on a pseudo-terminal: its output, and keys to send."""

    def __init__(self, *args: str) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "guide", "tour", *args],
            stdin=follower,
            stdout=follower,
            stderr=follower,
            env=environment(),
            cwd=REPO,
        )
        os.close(follower)
        self.output = ""

    def read(self, timeout: float) -> bool:
        """Add what the tour printed (waiting up to `timeout` for it); False at its end."""
        ready, _, _ = select.select([self.leader], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.leader, 65536)
        except OSError:  # EIO: the tour closed the terminal
            return False
        self.output += chunk.decode(errors="replace").replace("\r\n", "\n")
        return bool(chunk)

    def read_until(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{self.output}"
            assert self.read(0.1) or text in self.output, f"ended without {text!r}"
        return self.output

    def read_to_end(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.read(0.1):
            assert time.monotonic() < deadline, f"not over after {timeout} s:\n{self.output}"
        return self.process.wait(timeout=10)

    def waiting_for_a_key(self, timeout: float = 10) -> None:
        """Wait until the tour's main thread sits in read(0, ...): blocked on the keyboard."""
        deadline = time.monotonic() + timeout
        path = Path(f"/proc/{self.process.pid}/syscall")
        while True:
            fields = path.read_text().split()
            if fields[:2] == [str(READ_SYSCALL), "0x0"]:
                return
            assert time.monotonic() < deadline, f"not reading the keyboard: {fields[:2]}"
            time.sleep(0.01)

    def drain(self) -> str:
        while self.read(0):
            if not select.select([self.leader], [], [], 0)[0]:
                break
        return self.output

    def send(self, keys: str) -> None:
        os.write(self.leader, keys.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.leader)


def can_watch_syscalls() -> bool:
    try:
        Path(f"/proc/{os.getpid()}/syscall").read_text()
    except OSError:
        return False
    return READ_SYSCALL is not None


@live
def test_on_a_terminal_each_step_waits_for_enter():
    require(can_watch_syscalls(), "needs Linux's /proc/PID/syscall on x86_64 or aarch64")
    terminal = Terminal("--plain")
    try:
        terminal.read_until(PROMPT.format(2))
        terminal.waiting_for_a_key()
        assert "2/5  Audit logging" not in terminal.drain()  # blocked on the key, not on
        terminal.send("\n")
        terminal.read_until(PROMPT.format(3))
        assert "2/5  Audit logging" in terminal.output
        terminal.waiting_for_a_key()
        assert "3/5" not in terminal.drain().split(PROMPT.format(3))[1]
        terminal.send("q\n")  # stop here
        assert terminal.read_to_end() == 0
    finally:
        terminal.close()
    assert "3/5  Processing" not in terminal.output
    assert "(stopped early); the server and its temporary files are gone" in terminal.output


@live
def test_auto_on_a_terminal_never_waits_for_a_key():
    terminal = Terminal("--plain", "--auto")  # no key is ever sent
    try:
        assert terminal.read_to_end() == 0, terminal.output
    finally:
        terminal.close()
    assert [int(n) for n in RULE.findall(terminal.output)] == list(range(1, COUNT + 1))
    assert "Enter: step" not in terminal.output


# -- the parts, on fixed data


def test_a_bar_spans_its_task_on_the_steps_scale():
    # a task from 40 ms to 90 ms of a 100 ms scale, 50 columns: columns 20 to 45
    assert bar(40, 90, 100, width=50) == " " * 20 + "█" * 25
    assert bar(0, 100, 100, width=50) == "█" * 50
    assert bar(99.9, 100, 100, width=50) == " " * 49 + "█"  # a short task is still seen
    assert bar(10, 10.1, 100, width=50) == " " * 5 + "█"


def test_a_timeline_puts_every_request_on_the_longest_ones_scale():
    spans = [
        Span("GET /a → 200", 0, 10, is_response=True),
        Span("short", 10, 20, status="succeeded"),
        Span("GET /b → 200", 0, 10, is_response=True),
        Span("long", 20, 100, status="succeeded"),
    ]
    console = make_console(plain=True)
    with console.capture() as captured:
        console.print(render(spans, "title", width=50))
    bars = {
        line.split()[0]: line[line.index("█") : line.rindex("█") + 1]
        for line in captured.get().splitlines()
        if "█" in line
    }
    assert bars == {"GET": "█" * 5, "short": "█" * 5, "long": "█" * 40}
    lines = captured.get().splitlines()
    column = lines[1].index(" 0 ms ") + 1
    starts = [line.index("█") - column for line in lines if "█" in line]
    assert starts == [0, 5, 0, 10]
    assert lines[1].rstrip().endswith("100 ms")


def test_a_timeline_fits_a_narrow_terminal():
    spans = [
        Span("POST /auth/register → 201", 0, 10.2, is_response=True),
        Span("send_welcome_email (attempt 2)", 734.6, 778.1, status="succeeded"),
    ]
    console = make_console(plain=True)
    console.width = 80
    with console.capture() as captured:
        console.print(render(spans, "title", columns=80))
    rows = captured.get().splitlines()[2:]
    assert all(len(line.rstrip()) <= 80 for line in rows)
    assert all("█" in line and "…" not in line for line in rows), rows


def test_code_is_the_calls_with_the_blocks_they_sit_in(tmp_path):
    (tmp_path / "routes.py").write_text(
        "def other(tasks):\n"
        "    tasks.add_task(nothing)\n"
        "\n"
        "async def route(tasks, items, done):\n"
        "    x = 1\n"
        "    tasks.add_task(first, x)\n"
        "    if done:\n"
        "        y = 2\n"
        "    elif x:\n"
        "        tasks.add_task(\n"
        "            second, x\n"
        "        )\n"
        "    for item in items:\n"
        "        notify(tasks, item)\n"
    )
    excerpt = calls_in("routes.py", "route", ("add_task", "notify"), base=tmp_path)
    assert excerpt.lines == [
        (6, "tasks.add_task(first, x)"),
        (9, "elif x:"),
        (10, "    tasks.add_task("),
        (11, "        second, x"),
        (12, "    )"),
        (13, "for item in items:"),
        (14, "    notify(tasks, item)"),
    ]
    with pytest.raises(LookupError):
        calls_in("routes.py", "missing", ("add_task",), base=tmp_path)


class NoKeys(io.StringIO):
    def readline(self, *args) -> str:  # type: ignore[override]
        raise AssertionError("read a key")


class Shown:
    def __init__(self) -> None:
        self.shown: list[object] = []

    def show(self, *renderables: object) -> None:
        self.shown += renderables


def test_pace_waits_for_enter_and_stops_on_q():
    shown = Shown()
    pace = Pace(auto=False, keys=io.StringIO("\nq\n"))
    assert pace.next(shown, 2) is True  # type: ignore[arg-type]
    assert pace.next(shown, 3) is False  # type: ignore[arg-type]
    assert sum("Enter: step" in str(item) for item in shown.shown) == 2


def test_pace_goes_on_by_itself_when_the_keys_end_or_when_auto():
    pace = Pace(auto=False, keys=io.StringIO(""))
    assert pace.next(Shown(), 2) and pace.auto  # type: ignore[arg-type]
    assert Pace(auto=True, keys=NoKeys()).next(Shown(), 2)  # type: ignore[arg-type]
