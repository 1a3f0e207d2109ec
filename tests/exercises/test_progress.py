"""The reader's folder and progress, and the CLI's words, without starting a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from guide.exercises import Verdict, check, exercise, progress
from guide.exercises.catalog import EXERCISES
from guide.exercises.checks import order_mistakes
from guide.exercises.cli import main
from guide.exercises.core import after_right, folder

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def reader_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "exercises"
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(folder))
    return folder


def test_ten_exercises_one_per_section():
    assert sorted(EXERCISES) == list(range(1, 11))
    for spec in EXERCISES.values():
        assert spec.starter.is_file() and spec.solution.is_file(), spec.filename
        assert spec.starter.read_text() != spec.solution.read_text()
        assert "YOUR TURN:" in spec.starter.read_text()
        assert (Path(__file__).parent / "wrong" / spec.filename).is_file()


def test_exercise_copies_the_starter_once_and_keeps_the_readers_edits(reader_folder, capsys):
    path = exercise(1)
    assert path == reader_folder / EXERCISES[1].filename
    assert path.read_text() == EXERCISES[1].starter.read_text()
    out = capsys.readouterr().out
    assert str(path) in out and "python -m guide check 1" in out
    path.write_text("# my edits\n")
    assert exercise("01") == path
    assert path.read_text() == "# my edits\n"
    assert (reader_folder / ".gitignore").read_text() == "*\n"  # nothing for the repository


def test_the_default_folder_is_exercises_under_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("GUIDE_EXERCISES_DIR")
    monkeypatch.chdir(tmp_path)
    assert exercise(2) == tmp_path / "exercises" / EXERCISES[2].filename


def test_checking_a_missing_file_says_how_to_get_it(reader_folder, capsys):
    verdict = check(2)
    assert isinstance(verdict, Verdict) and not verdict.passed
    assert "python -m guide exercise 2" in (verdict.hint or "")
    assert str(reader_folder / EXERCISES[2].filename) in capsys.readouterr().out
    assert progress()[2] is False


def test_an_unmade_prediction_fails_before_any_server_starts(capsys):
    exercise(3)
    capsys.readouterr()
    assert main(["check", "3"]) == 1  # no server: under `make check` one would be refused
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Not yet: ORDER is empty: write your prediction first"
    assert out[1].startswith("Hint: ")


@pytest.mark.live  # a Python process
def test_reading_the_guide_does_not_import_the_exercises():
    code = "import sys, guide.cli; print(sorted(m for m in sys.modules if m.startswith('guide.')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert "guide.exercises" not in result.stdout


def test_progress_keeps_the_last_result_of_each_of_the_readers_checks(reader_folder):
    from guide.exercises import core

    for number, passed in [(3, True), (5, True), (3, False)]:
        core._record(number, passed)
    assert json.loads((reader_folder / "progress.json").read_text()) == {"passed": [5]}
    assert progress() == {n: n == 5 for n in range(1, 11)}


def test_a_check_of_the_solution_is_not_the_readers_progress(reader_folder):
    assert not (reader_folder / "progress.json").exists()
    assert progress() == dict.fromkeys(range(1, 11), False)


def test_the_list_shows_ten_lines_and_the_next_one(reader_folder, capsys):
    from guide.exercises import core

    core._record(1, True)
    core._record(2, True)
    assert main(["exercise"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith("  [")]
    assert len(rows) == 10
    assert [row[3] for row in rows] == ["x", "x"] + [" "] * 8
    assert rows[2].endswith("<- next") and sum("<- next" in row for row in rows) == 1
    assert lines[-1] == "Next: python -m guide exercise 3"
    assert "2 of 10 done" in lines[0]


def test_help_and_plain(capsys):
    assert main(["check", "--help"]) == 0
    usage = capsys.readouterr().out
    assert usage.startswith("usage: python -m guide exercise [N]")
    assert "check N runs your file" in usage and "exercises/" in usage  # it executes code
    assert main(["exercise", "--plain"]) == 0  # the guide's own option: the output is plain
    assert capsys.readouterr().out.count("\n  [ ]") == 10


def test_bad_words_are_a_usage_error(capsys):
    assert main(["check"]) == 2
    assert main(["exercise", "11"]) == 2
    assert main(["exercise", "three"]) == 2
    assert main(["frobnicate", "1"]) == 2
    assert "numbered 1 to 10" in capsys.readouterr().err


@pytest.mark.live  # a Python process
def test_the_module_prints_progress_in_a_subprocess(reader_folder):
    env = {**os.environ, "GUIDE_EXERCISES_DIR": str(reader_folder)}
    result = subprocess.run(
        [sys.executable, "-m", "guide.exercises.cli"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n  [ ]") == 10
    assert not reader_folder.exists()  # listing writes nothing


def test_inside_a_checkout_the_folder_is_at_its_root_wherever_the_reader_is(monkeypatch):
    monkeypatch.delenv("GUIDE_EXERCISES_DIR")
    for where in (REPO, REPO / "notebooks", REPO / "guide" / "content"):
        monkeypatch.chdir(where)
        assert folder() == REPO / "exercises", where


def test_the_variable_overrides_the_checkout(monkeypatch, tmp_path):
    monkeypatch.setenv("GUIDE_EXERCISES_DIR", str(tmp_path / "mine"))
    monkeypatch.chdir(REPO / "notebooks")
    assert folder() == tmp_path / "mine"


def test_after_a_right_answer_the_solution_and_the_next_exercise_not_done(monkeypatch):
    from guide.exercises import core

    monkeypatch.chdir(REPO)
    for number in (4, 5):
        core._record(number, True)
    lines = after_right(3).splitlines()
    assert lines[0] == "Compare with the shipped solution: " + str(
        EXERCISES[3].solution.relative_to(REPO)
    )
    assert lines[1:] == [
        f"Next: exercise 6, {EXERCISES[6].title}",
        "  read section 6: python -m guide 6",
        "  start it: python -m guide exercise 6 (in a notebook: exercise(6))",
    ]


def test_the_solution_path_is_whole_outside_the_checkout_and_the_end_says_done(
    monkeypatch, tmp_path
):
    from guide.exercises import core

    monkeypatch.chdir(tmp_path)
    for number in EXERCISES:
        core._record(number, True)
    first, last = after_right(10).splitlines()
    assert first.endswith(str(EXERCISES[10].solution)) and Path(first.split(": ")[1]).is_file()
    assert last.startswith("All 10 exercises done")


def test_order_mistakes_name_each_wrong_entry_by_name_and_place():
    ran = ["a", "b", "c"]
    names = {"a", "b", "c", "d"}
    assert order_mistakes(["b", "a", "c"], ran, names) == (
        "the task in place 1 was 'a', not 'b' ('b' ran in place 2)"
    )
    assert order_mistakes(["a", "b", "c", "d"], ran, names) == "'d' is in ORDER, but it never ran"
    assert order_mistakes(["a", "c"], ran, names) == "'b' ran, but ORDER leaves it out"
    assert order_mistakes(["a", "b", "c"], ["a", "b", "b", "c"], names) == (
        "'b' is in ORDER once; it ran 2 times"
    )
    said = order_mistakes(["a", "a", "b", "c", "e"], ran, names)
    assert said == (
        "'a' is in ORDER 2 times; it ran once; "
        "no task is called 'e' (the names: 'a', 'b', 'c', 'd')"
    )
