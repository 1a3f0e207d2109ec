"""Every exercise on real uvicorn servers: the shipped starter fails its check with a hint,
the shipped solution passes, and a file with an unrelated wrong change fails.

The thirty checks run three at a time (each is a server or two waiting on its tasks, not
on the CPU); every test then reads its own verdict. `check()` itself, with the reader's
folder, its printing and its progress, is tested once at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from guide.exercises import Verdict, check, exercise, progress
from guide.exercises.catalog import EXERCISES
from guide.exercises.cli import main
from guide.exercises.core import judge

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[2]
WRONG = Path(__file__).parent / "wrong"
NUMBERS = sorted(EXERCISES)
KINDS = {
    "starter": lambda spec: spec.starter,
    "solution": lambda spec: spec.solution,
    "wrong": lambda spec: WRONG / spec.filename,
}


@pytest.fixture(scope="module")
def verdicts() -> dict[tuple[int, str], Verdict]:
    jobs = [(number, kind) for number in NUMBERS for kind in KINDS]
    with ThreadPoolExecutor(3) as pool:
        results = pool.map(lambda job: judge(job[0], KINDS[job[1]](EXERCISES[job[0]])), jobs)
        return dict(zip(jobs, results, strict=True))


@pytest.mark.parametrize("number", NUMBERS)
def test_the_starter_fails_with_a_hint(verdicts, number):
    verdict = verdicts[number, "starter"]
    assert not verdict.passed, verdict
    assert verdict.message.startswith("Not yet: ")
    assert verdict.hint


@pytest.mark.parametrize("number", NUMBERS)
def test_the_solution_passes(verdicts, number):
    verdict = verdicts[number, "solution"]
    assert verdict.passed, verdict
    assert verdict.message.startswith("Right: ")
    assert verdict.hint is None


@pytest.mark.parametrize("number", NUMBERS)
def test_an_unrelated_wrong_change_fails(verdicts, number):
    verdict = verdicts[number, "wrong"]
    assert not verdict.passed, verdict
    assert verdict.hint
    # it fails for its own reason, not for what the untouched starter gets wrong
    assert verdict.message != verdicts[number, "starter"].message


def test_check_judges_the_readers_file_prints_and_records(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path))
    path = exercise(1)
    first = check(1)
    out = capsys.readouterr().out
    assert not first.passed
    assert f"{first.message}\nHint: {first.hint}\n" in out
    assert progress()[1] is False

    shutil.copyfile(EXERCISES[1].solution, path)  # the reader makes the change
    assert check(1).passed
    assert capsys.readouterr().out.startswith("Right: ")
    assert progress()[1] is True

    path.write_text(EXERCISES[1].starter.read_text())  # and undoes it: the verdict follows
    assert main(["check", "1"]) == 1
    assert progress()[1] is False
    assert not (REPO / "exercises").exists()


def test_python_m_checks_the_shipped_solution(tmp_path):
    env = {**os.environ, "GUIDE_EXERCISES_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "guide.exercises", "check", "4", "--solution"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Right: ")
    assert not (tmp_path / "progress.json").exists()  # the solution is not the reader's work


def test_a_file_that_does_not_start_gets_a_verdict_not_an_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path))
    exercise(1).write_text("from fastapi import FastAPI\napp = FastAPI(\n")  # a syntax error
    verdict = check(1)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: ex01_response_first.py did not start: ")
    assert "SyntaxError" in verdict.message
    assert "python -m uvicorn --app-dir" in (verdict.hint or "")


def test_another_exercises_file_is_not_right():
    # exercise 1's solution has a POST /signup/{name} answering {"name": name}, as 4 asks
    assert not judge(4, EXERCISES[1].solution).passed
    assert not judge(9, EXERCISES[3].solution).passed  # it predicts ORDER, not FINISHES
