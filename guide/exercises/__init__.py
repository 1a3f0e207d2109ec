"""Exercises in the terminal and in the notebooks, rustlings-style: one per section.

    from guide.exercises import exercise, check, Verdict
    path = exercise(3)       # the starter, copied into the reader's folder (never over edits)
    verdict = check(3)       # the reader's file run on a real uvicorn server, and judged
    check(3, solution=True)  # the same checker on the shipped solution (what the suite does)

The reader's folder is one for the terminal and the notebooks: $GUIDE_EXERCISES_DIR if set;
else, from anywhere inside a checkout of the guide (notebooks/ too), exercises/ at its root;
else ./exercises/ under the current directory (`guide.exercises.core.folder`).
`python -m guide exercise` lists the ten with the next one to do (`guide.exercises.cli`).
"""

from guide.exercises.core import Verdict, check, exercise, progress

__all__ = ["Verdict", "check", "exercise", "progress"]
