"""Every exercise on a real server: the shipped starter fails its check with a hint, the
shipped solution passes, and a file with an unrelated wrong change fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guide.exercises import check, exercise
from guide.exercises.catalog import EXERCISES

pytestmark = pytest.mark.live

WRONG = Path(__file__).parent / "wrong"
NUMBERS = sorted(EXERCISES)


@pytest.fixture(autouse=True)
def reader_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "exercises"
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(folder))
    return folder


@pytest.mark.parametrize("number", NUMBERS)
def test_the_starter_fails_with_a_hint(number, capsys):
    exercise(number)
    verdict = check(number)
    assert not verdict.passed, verdict
    assert verdict.message.startswith("Not yet: ")
    assert verdict.hint
    assert f"Hint: {verdict.hint}" in capsys.readouterr().out


@pytest.mark.parametrize("number", NUMBERS)
def test_the_solution_passes(number, capsys):
    verdict = check(number, solution=True)
    assert verdict.passed, verdict
    assert verdict.hint is None
    assert capsys.readouterr().out.startswith("Right: ")


@pytest.mark.parametrize("number", NUMBERS)
def test_an_unrelated_wrong_change_fails(number, reader_folder):
    spec = EXERCISES[number]
    reader_folder.mkdir()
    shutil.copyfile(WRONG / spec.filename, reader_folder / spec.filename)
    verdict = check(number)
    assert not verdict.passed, verdict
    assert verdict.hint
