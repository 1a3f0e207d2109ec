"""`exercise(n)`, `check(n)` and the reader's progress.

A starter is copied into the reader's folder once; after that the file is theirs. A check
runs the file (or the shipped solution) on a real server and returns a `Verdict`; only a
check of the reader's own file is written to the progress file.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from guide.checkout import checkout_root
from guide.exercises.catalog import EXERCISES
from guide.exercises.harness import Exercise, Wrong

FOLDER_ENV = "GUIDE_EXERCISES_DIR"
PROGRESS_FILE = "progress.json"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nHint: {self.hint}"


def folder() -> Path:
    """The reader's folder, one for the terminal and the notebooks: $GUIDE_EXERCISES_DIR if
    set; else, anywhere inside a checkout of the guide (its notebooks/ included, where a
    notebook's kernel starts), exercises/ at the checkout's root; else ./exercises."""
    if chosen := os.environ.get(FOLDER_ENV):
        return Path(chosen)
    here = Path.cwd()
    root = checkout_root()
    if root is not None and here.resolve().is_relative_to(root):
        here = root
    return here / "exercises"


def find(number: int | str) -> Exercise:
    try:
        return EXERCISES[int(number)]
    except (ValueError, KeyError):
        count = len(EXERCISES)
        raise ValueError(f"no exercise {number!r}: they are numbered 1 to {count}") from None


def reader_file(number: int | str) -> Path:
    return folder() / find(number).filename


def exercise(number: int | str) -> Path:
    """Copy exercise `number`'s starter into the reader's folder if it is not there yet,
    print the task and the file's path, and return the path."""
    found = find(number)
    path = folder() / found.filename
    if path.exists():
        state = "your file (kept as you left it)"
    else:
        _make_folder()
        shutil.copyfile(found.starter, path)
        state = "copied for you"
    print(f"Exercise {found.number}: {found.title} (read first: python -m guide {found.number})")
    print(found.task)
    print(f"File: {path} ({state})")
    print(f"Check it: python -m guide check {found.number} (in a notebook: check({found.number}))")
    return path


def check(number: int | str, *, solution: bool = False) -> Verdict:
    """Run exercise `number`'s checker on the reader's file (or on the shipped solution),
    print a one-line verdict and, on failure, a hint; after a right answer, where the
    shipped solution is and what comes next. A wrong answer is a Verdict, not an exception."""
    found = find(number)
    verdict = judge(found.number, found.solution if solution else folder() / found.filename)
    if not solution:
        _record(found.number, verdict.passed)
    print(verdict)
    if verdict.passed and not solution:
        print(after_right(found.number))
    return verdict


def after_right(number: int) -> str:
    """Where the shipped solution is, to compare, and the next exercise not yet passed."""
    found = find(number)
    lines = [f"Compare with the shipped solution: {shown(found.solution)}"]
    done = progress()
    later = [*range(number + 1, len(EXERCISES) + 1), *range(1, number)]
    todo = [n for n in later if not done[n]]
    if todo:
        following = EXERCISES[todo[0]]
        n = following.number
        lines += [
            f"Next: exercise {n}, {following.title}",
            f"  read section {n}: python -m guide {n}",
            f"  start it: python -m guide exercise {n} (in a notebook: exercise({n}))",
        ]
    else:
        lines.append(f"All {len(EXERCISES)} exercises done: python -m guide exercise lists them")
    return "\n".join(lines)


def shown(path: Path) -> str:
    """`path` relative to the current directory when it is under it (a checkout), else whole
    (an installed package)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def judge(number: int, path: Path) -> Verdict:
    """Exercise `number`'s checker on any file: the verdict, printed and recorded nowhere."""
    found = find(number)
    if not path.exists():
        return Verdict(
            False,
            f"Not yet: there is no {path}",
            f"python -m guide exercise {found.number} (in a notebook: exercise({found.number})) "
            "copies the starter there",
        )
    if (unreadable := syntax_error(path)) is not None:
        return unreadable
    try:
        return Verdict(True, f"Right: {found.checker(path)}")
    except Wrong as wrong:
        return Verdict(False, f"Not yet: {wrong.message}", wrong.hint or found.hint)
    except Exception as error:  # whatever the file did, the reader gets a verdict
        return Verdict(
            False, f"Not yet: the check could not judge {path.name}: {error!r}", found.hint
        )


def syntax_error(path: Path) -> Verdict | None:
    """The file's first syntax error as a verdict (its line, Python's words, the line itself),
    or None when Python can read it. No exercise's hint: the file must parse first."""
    source = path.read_text()
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f"line {error.lineno}: " if error.lineno else ""
        kind = type(error).__name__  # IndentationError and TabError say so
        text = (error.text or "").strip()
        shown_line = f"\n    {text}" if text else ""
        return Verdict(False, f"Not yet: {path.name}, {where}{kind}: {error.msg}{shown_line}")
    return None


def progress() -> dict[int, bool]:
    """Which exercises the reader's last check passed, by number (all ten keys)."""
    passed = set(_load().get("passed", []))
    return {number: number in passed for number in EXERCISES}


def _load() -> dict[str, list[int]]:
    try:
        data = json.loads((folder() / PROGRESS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _record(number: int, passed: bool) -> None:
    done = set(_load().get("passed", []))
    (done.add if passed else done.discard)(number)
    (_make_folder() / PROGRESS_FILE).write_text(json.dumps({"passed": sorted(done)}) + "\n")


def _make_folder() -> Path:
    path = folder()
    path.mkdir(parents=True, exist_ok=True)
    ignore = path / ".gitignore"  # the reader's work: not for the repository it sits in
    if not ignore.exists():
        ignore.write_text("*\n")
    return path
