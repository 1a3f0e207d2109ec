"""`python -m guide tour`, piped: the real demo app, real requests, each pattern's output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from guide.console import make_console
from guide.live import FAST_HASHING, demo_stack
from guide.tour import Tour
from tests.guide.conftest import REPO

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def tour() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    # Piped: no pauses. A tour that hangs fails here (TimeoutExpired), not in an assertion.
    return subprocess.run(
        [sys.executable, "-m", "guide", "tour", "--plain"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


@pytest.fixture(scope="module")
def steps(tour) -> dict[int, str]:
    """The output of each step, by number: the text from its `N/4` rule to the next."""
    return split_steps(tour.stdout)


def split_steps(output: str) -> dict[int, str]:
    parts = re.split(r"^([1-4])/4 ", output, flags=re.MULTILINE)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def timeline_rows(step: str) -> list[str]:
    return [
        line
        for line in step.splitlines()
        if re.match(r"^\s*[\d.]+\s+(request|response|task) ", line)
    ]


def test_the_tour_runs_by_itself_and_ends_in_plain_text(tour, steps):
    assert tour.returncode == 0, tour.stderr
    assert "\x1b" not in tour.stdout
    assert sorted(steps) == [1, 2, 3, 4]
    assert "python -m guide serve" in tour.stdout.split("Where next")[-1]


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
    }


def test_registration_welcome_email_arrives_after_the_response(steps):
    step = steps[1]
    assert "300 ms per email" in step
    assert "← 201 Created" in step
    assert "📬 email to ada@example.com: 'Welcome to the guide demo, ada!'" in step
    response_ms = float(re.search(r"← 201 Created in (\d+) ms", step)[1])
    sent_ms = float(re.search(r"^\s*([\d.]+)\s+response sent", step, re.M)[1])
    finished = re.findall(r"^\s*([\d.]+)\s+task finished\s+send_welcome_email", step, re.M)
    email_done_ms = float(finished[0])
    assert email_done_ms >= 300  # the slow mail server
    assert sent_ms < email_done_ms
    assert response_ms < email_done_ms


def test_login_and_item_creation_are_audited(steps):
    step = steps[2]
    assert "[AUDIT] User 'ada' performed action 'LOGIN'" in step
    assert "[AUDIT] User 'ada' performed action 'CREATE_ITEM'" in step


def test_completing_an_item_awards_a_badge(steps):
    step = steps[3]
    assert "🏆 [TASK] ada earned 'First step'" in step
    assert "'Achievement unlocked: First step'" in step


def test_each_timeline_is_shown_once_the_requests_tasks_are_all_finished(steps):
    """The request's record is written when the response leaves, before its tasks: a
    timeline read then would end with a task started, not finished."""
    last_task = {1: "log_user_action", 3: "process_item_completion", 4: "send_batch_email"}
    for number, task in last_task.items():
        last = timeline_rows(steps[number])[-1]
        assert re.match(rf"^\s*[\d.]+\s+task finished\s+{task}\s", last), steps[number]
    for step in steps.values():
        rows = timeline_rows(step)
        started = [row for row in rows if " task started " in row]
        finished = [row for row in rows if " task finished " in row]
        assert len(started) == len(finished), step


def test_the_newsletter_reaches_exactly_the_subscribers(steps):
    step = steps[4]
    newsletters = re.findall(r"📬 email to (\S+): 'Tasks after the response'", step)
    assert sorted(newsletters) == ["ada@example.com", "grace@example.com", "hedy@example.com"]
    assert "No newsletter for: linus@example.com." in step


def test_each_step_shows_a_timeline_with_the_response_and_its_tasks(steps):
    for step in steps.values():
        assert re.search(r"^\s*[\d.]+\s+response sent\s+█*[▏▎▍▌▋▊▉]?$", step, re.M), step
        assert re.search(r"^\s*[\d.]+\s+task finished\s+\w+\s+█+", step, re.M), step


class SlowTour(Tour):
    """The tour with a display that takes 30 ms a line (a slow terminal, a busy machine):
    what arrives while it prints must still be shown, once."""

    def show(self, *renderables, **options) -> None:
        time.sleep(0.03)
        super().show(*renderables, **options)


def test_a_slow_display_loses_no_task_line_or_email(capsys):
    with demo_stack(FAST_HASHING) as stack:
        tour = SlowTour(stack, make_console(plain=True), plain=True, pause=0)
        with tour.client:
            tour.run()
    steps = split_steps(capsys.readouterr().out)
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
