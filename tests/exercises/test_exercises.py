"""Every exercise on real uvicorn servers: the shipped starter fails its check with a hint,
the shipped solution passes, a file with an unrelated wrong change fails, and each of the
plausible wrong attempts in wrong/ gets a verdict that names what is wrong in it.

The checks run three at a time (each is a server or two waiting on its tasks, not
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


# More wrong attempts, each with what its verdict must say (in order), and a part of its
# hint (None: no hint, for a file Python cannot read: no exercise's advice fits it).
ATTEMPTS: dict[str, tuple[int, list[str], str | None]] = {
    "ex03_task_order.py": (
        3,
        [
            "Not yet: the task in place 1 was 'function-scoped, before yield', not "
            "'sub-dependency' ('sub-dependency' ran in place 2)"
        ],
        "one BackgroundTasks object is shared",
    ),
    "ex03_after_yield_runs.py": (
        3,
        [
            "'yield-dependency, after yield' is in ORDER, but it never ran",
            "'function-scoped, after yield' ran, but ORDER leaves it out",
        ],
        "one BackgroundTasks object is shared",
    ),
    "ex03_syntax_error.py": (
        3,
        ["Not yet: ex03_syntax_error.py, line 10: SyntaxError: '[' was never closed\n    ORDER"],
        None,
    ),
    "ex06_print.py": (6, ["printed without its traceback"], "logger.exception"),
    "ex06_receipt_first.py": (6, ["the receipt was sent before the warehouse"], "wrapper"),
    "ex09_name_error.py": (
        9,
        ["Not yet: ex09_name_error.py, line 13: NameError: name 'Ture' is not defined"],
        "the file must run before its prediction can be read: python ",
    ),
}


def _file(job: tuple[int, str]) -> Path:
    number, kind = job
    return KINDS[kind](EXERCISES[number]) if kind in KINDS else WRONG / kind


@pytest.fixture(scope="module")
def verdicts() -> dict[tuple[int, str], Verdict]:
    jobs = [(number, kind) for number in NUMBERS for kind in KINDS]
    jobs += [(number, name) for name, (number, _, _) in ATTEMPTS.items()]
    with ThreadPoolExecutor(3) as pool:
        results = pool.map(lambda job: judge(job[0], _file(job)), jobs)
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


@pytest.mark.parametrize("name", ATTEMPTS)
def test_a_plausible_wrong_attempt_gets_a_verdict_naming_what_is_wrong(verdicts, name):
    number, said, hint = ATTEMPTS[name]
    verdict = verdicts[number, name]
    assert not verdict.passed, verdict
    position = 0
    for part in said:
        assert part in verdict.message[position:], verdict
        position = verdict.message.index(part, position) + len(part)
    if hint is None:
        assert verdict.hint is None, verdict
    else:
        assert hint in (verdict.hint or ""), verdict


def test_check_judges_the_readers_file_prints_and_records(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path))
    path = exercise(1)
    first = check(1)
    out = capsys.readouterr().out
    assert not first.passed
    assert f"{first.message}\nHint: {first.hint}\n" in out
    assert progress()[1] is False

    shutil.copyfile(EXERCISES[1].solution, path)  # the reader makes the change
    monkeypatch.chdir(REPO)
    assert check(1).passed
    out = capsys.readouterr().out
    assert out.startswith("Right: ")
    assert (
        "\nCompare with the shipped solution: guide/exercises/solutions/ex01_response_first.py\n"
        in out
    )
    assert out.endswith(
        "\nNext: exercise 2, def or async def for a blocking call\n"
        "  read section 2: python -m guide 2\n"
        "  start it: python -m guide exercise 2 (in a notebook: exercise(2))\n"
    )
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


def test_a_syntax_error_is_a_verdict_with_its_line_and_no_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path))
    exercise(1).write_text("from fastapi import FastAPI\napp = FastAPI(\n")
    verdict = check(1)
    assert not verdict.passed
    assert verdict.message == (
        "Not yet: ex01_response_first.py, line 2: SyntaxError: '(' was never closed\n"
        "    app = FastAPI("
    )
    assert verdict.hint is None


def test_a_file_that_does_not_start_gets_a_verdict_not_an_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path))
    exercise(1).write_text("from fastapi import FastAPI\napp = FastAPl()\n")  # a typo
    verdict = check(1)
    assert not verdict.passed
    assert verdict.message.startswith("Not yet: ex01_response_first.py did not start: ")
    assert "NameError" in verdict.message
    assert "python -m uvicorn --app-dir" in (verdict.hint or "")


def test_a_file_slow_to_start_is_said_to_be_slow_not_silent(tmp_path, monkeypatch):
    from guide.exercises import harness

    monkeypatch.setattr(harness, "START_SECONDS", 1.0)
    slow = tmp_path / "ex01_response_first.py"
    slow.write_text("import time\n\ntime.sleep(30)\n" + EXERCISES[1].solution.read_text())
    verdict = judge(1, slow)
    assert verdict.message == (
        "Not yet: ex01_response_first.py did not start: it was not up after 1 s (a busy machine?)"
    )


def test_another_exercises_file_is_not_right():
    # exercise 1's solution has a POST /signup/{name} answering {"name": name}, as 4 asks
    assert not judge(4, EXERCISES[1].solution).passed
    assert not judge(9, EXERCISES[3].solution).passed  # it predicts ORDER, not FINISHES
