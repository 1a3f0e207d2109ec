"""The tour's last lines: what to run next, for the way the guide was installed.

A checkout has `make test` and the notebooks; an installed wheel has the package alone,
so it is offered the commands of the package only.
"""

from __future__ import annotations

from pathlib import Path

EVERYWHERE = [
    ("python -m guide", "read the guide (python -m guide list: its sections)"),
    ("python -m guide exercise", "the exercises, one per section, checked on a real server"),
    ("python -m guide serve", "run the demo app yourself: /docs to try each route, and"),
    ("", "/dashboard to watch the tasks live (it prints an admin login)"),
]
IN_A_CHECKOUT = [
    ("make notebooks", "the same patterns, cell by cell, in Jupyter (notebooks/)"),
    ("make test", "the test suite, with a test for each claim the guide makes"),
]


def where_next(checkout: Path | None) -> str:
    """The lines, indented; `checkout`: the repository's root, None for a wheel."""
    rows = EVERYWHERE + (IN_A_CHECKOUT if checkout is not None else [])
    width = max(len(command) for command, _ in rows) + 2
    return "\n".join(f"  {command:<{width}}{what}" for command, what in rows)
