"""The notebooks' own exercises (those guide.exercises does not have): each check passes the
shipped solution, refuses a missing or malformed answer, and fails a wrong one, every time on
servers it starts itself."""

import runpy
from pathlib import Path

import pytest

from guide.notebook import CHECKS, MISSING, check

pytestmark = pytest.mark.live

SOLUTIONS = Path(__file__).parents[2] / "notebooks" / "solutions"
NUMBERS = sorted(CHECKS)

# A wrong answer a reader might well give, for each exercise: the check must say not yet.
WRONG = {
    2: ["send_item_notification", "log_user_action", "process_item_completion"],
    3: 3.0,  # as if the two requests' steps took turns
    4: "async def signup(): ...",  # not a function
    5: lambda demo, ann: None,  # no request at all
    6: {"cat": 2, "dee": 1, "eve": 2},  # as if the retry resent to everyone
    7: "p50",
    8: None,  # replaced below: the blocking starter itself
    9: ["--timeout-keep-alive", "1"],
    10: lambda stack: None,
}


async def blocking_report(name: str) -> None:
    import time

    time.sleep(0.5)  # noqa: ASYNC251 (the mistake exercise 8 asks to fix)


WRONG[8] = blocking_report


def solution(number: int):
    return runpy.run_path(str(SOLUTIONS / f"{number:02d}.py"))["answer"]


def test_every_notebook_exercise_has_a_solution_a_wrong_answer_and_a_missing_message():
    assert sorted(int(path.stem) for path in SOLUTIONS.glob("*.py")) == NUMBERS
    assert sorted(WRONG) == NUMBERS
    assert sorted(MISSING) == NUMBERS


@pytest.mark.parametrize("number", NUMBERS)
def test_the_solution_passes_and_none_does_not(number, capsys):
    assert not check(number, None).passed
    assert capsys.readouterr().out.startswith("Not yet: ")
    verdict = check(number, solution(number))
    assert verdict.passed, verdict
    assert capsys.readouterr().out.startswith("Right: ")


@pytest.mark.parametrize("number", NUMBERS)
def test_a_wrong_answer_is_a_verdict_not_an_exception(number, capsys):
    verdict = check(number, WRONG[number])
    assert not verdict.passed, verdict
    assert capsys.readouterr().out.startswith("Not yet: ")
