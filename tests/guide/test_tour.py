"""`python -m guide tour`, piped: the real demo app, real requests, each pattern's output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from tests.guide.conftest import REPO

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def tour() -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "guide", "tour", "--plain"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=30,
    )
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def steps(tour) -> dict[int, str]:
    """The output of each step, by number: the text from its `N/4` rule to the next."""
    result, _ = tour
    parts = re.split(r"^([1-4])/4 ", result.stdout, flags=re.MULTILINE)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def test_the_tour_runs_by_itself_and_ends_in_plain_text(tour, steps):
    result, seconds = tour
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert sorted(steps) == [1, 2, 3, 4]
    assert seconds < 30
    assert "python -m guide serve" in result.stdout.split("Where next")[-1]


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


def test_the_newsletter_reaches_exactly_the_subscribers(steps):
    step = steps[4]
    newsletters = re.findall(r"📬 email to (\S+): 'Tasks after the response'", step)
    assert sorted(newsletters) == ["ada@example.com", "grace@example.com", "hedy@example.com"]
    assert "No newsletter for: linus@example.com." in step


def test_each_step_shows_a_timeline_with_the_response_and_its_tasks(steps):
    for step in steps.values():
        assert re.search(r"^\s*[\d.]+\s+response sent\s+█*[▏▎▍▌▋▊▉]?$", step, re.M), step
        assert re.search(r"^\s*[\d.]+\s+task finished\s+\w+\s+█+", step, re.M), step
