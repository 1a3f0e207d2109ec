"""`python -m guide exercise [N]` and `python -m guide check N`, routed here by guide.cli.

    main(["exercise"])       the ten exercises, which pass, and the next one to do
    main(["exercise", "3"])  copy exercise 3's starter into the reader's folder, show the task
    main(["check", "3"])     check the reader's file on a real server (exit status 1 if not yet)
    main(["check", "3", "--solution"])  the same checker on the shipped solution

`python -m guide.exercises.cli [exercise|check] ...` does the same without guide.cli.
"""

from __future__ import annotations

import sys

from guide.exercises.catalog import EXERCISES
from guide.exercises.core import check, exercise, find, folder, progress

USAGE = """\
usage: python -m guide exercise [N]      list the exercises, or start exercise N
       python -m guide check N [--solution]  check your file for exercise N

check N runs your file: it imports the exercise's Python file from your exercises folder
(exercises/ at the root of a checkout, ./exercises elsewhere, or GUIDE_EXERCISES_DIR) and
serves it with uvicorn on 127.0.0.1, as your own code, with your rights. Check only files
you wrote or read."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    solution = "--solution" in args
    words = [arg for arg in args if arg not in {"--solution", "--plain"}]  # always plain text
    if any(word in {"-h", "--help"} for word in words):
        print(USAGE)
        return 0
    command, rest = (words[0], words[1:]) if words else ("exercise", [])
    if command not in {"exercise", "check"} or len(rest) > 1 or (solution and command != "check"):
        print(USAGE, file=sys.stderr)
        return 2
    if not rest:
        if command == "check":
            print(USAGE, file=sys.stderr)
            return 2
        show_progress()
        return 0
    try:
        find(rest[0])
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if command == "exercise":
        exercise(rest[0])
        return 0
    return 0 if check(rest[0], solution=solution).passed else 1


def show_progress() -> None:
    done = progress()
    todo = [number for number, passed in done.items() if not passed]
    print(f"Exercises ({sum(done.values())} of {len(done)} done), in {folder()}:")
    for number, spec in EXERCISES.items():
        mark = "x" if done[number] else " "
        arrow = "  <- next" if todo and number == todo[0] else ""
        print(f"  [{mark}] {number:2d}  {spec.title}{arrow}")
    if todo:
        print(f"Next: python -m guide exercise {todo[0]}")
    else:
        print("All done.")


if __name__ == "__main__":
    sys.exit(main())
