"""Where the guide's commands print: rich on a terminal, plain text when piped.

Output is plain (no colours, no escape codes, no trailing spaces) when stdout is not a
terminal, when NO_COLOR is set, or when the reader asks for it (--plain). `show()` pages
what is taller than the terminal, when the caller allows it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

MAX_WIDTH = 120
PIPE_WIDTH = 100


def is_plain(asked: bool) -> bool:
    return asked or bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()


def make_console(plain: bool) -> Console:
    from rich.console import Console

    if plain:
        return Console(
            width=width(), no_color=True, force_terminal=False, highlight=False, emoji=False
        )
    return Console(width=width(), highlight=False)


@contextmanager
def output(plain: bool) -> Iterator[Console]:
    """A console for stdout; in plain mode, its lines come out without trailing spaces."""
    console = make_console(plain)
    if not plain:
        yield console
        return
    with console.capture() as captured:
        yield console
    write_plain(captured.get())


def write_plain(text: str) -> None:
    sys.stdout.write("".join(line.rstrip() + "\n" for line in text.splitlines()))
    sys.stdout.flush()


def width() -> int:
    """COLUMNS if set; else the terminal's width up to MAX_WIDTH; else PIPE_WIDTH."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if sys.stdout.isatty():
        return min(shutil.get_terminal_size().columns, MAX_WIDTH)
    return PIPE_WIDTH


def show(*renderables: RenderableType, plain: bool, page: bool) -> None:
    """Print `renderables` to stdout; through a pager if `page` and they are taller than
    the terminal. The pager is $MANPAGER or $PAGER, else `less` (with LESS=-R, so that
    it shows the colours), as pydoc chooses it."""
    from rich.console import Group

    console = make_console(plain)
    with console.capture() as captured:
        console.print(Group(*renderables))
    text = captured.get()
    if plain:
        text = "".join(line.rstrip() + "\n" for line in text.splitlines())
    if page and text.count("\n") > rows():
        os.environ.setdefault("LESS", "-R")
        import pydoc

        pydoc.pager(text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def rows() -> int:
    """The terminal's height: LINES if set, else what the terminal says (24 if nothing)."""
    return shutil.get_terminal_size((PIPE_WIDTH, 24)).lines
