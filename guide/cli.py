"""`python -m guide`: read the guide in a terminal, or start the tour or the demo app.

Output is plain text (no colours, no escape codes) when stdout is not a terminal, when
NO_COLOR is set, or with --plain. Reading never imports the web stack: rich and the
standard library only, so a section prints in a fraction of a second.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from guide import sections as content
from guide.console import is_plain, make_console, output

if TYPE_CHECKING:
    from rich.text import Text

COMMANDS_HELP = """\
commands:
  list            the table of contents
  search WORD     every line that mentions WORD, with a line of context
  tour            start the demo app and watch its background tasks run, step by step
  serve           serve the demo app (the same as: python -m demo_app serve)
  worker          Redis (embedded if REDIS_URL is unset), Celery workers and beat

examples:
  {prog}                   the whole guide, in a pager
  {prog} 6                 section 6
  {prog} error-handling    the same section, by its slug
  {prog} search add_task

Each command has its own --help.
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    try:
        if command in COMMANDS:
            argv.remove(command)
            return COMMANDS[command](argv)
        return read(argv)
    except BrokenPipeError:  # `python -m guide | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def read(argv: list[str]) -> int:
    parser = _parser(None, "Read the FastAPI background tasks guide: all of it, or one section.")
    parser.usage = (
        "%(prog)s [--plain] [SECTION]\n       %(prog)s {list,search,tour,serve,worker} ..."
    )
    parser.epilog = COMMANDS_HELP.format(prog=parser.prog)
    parser.add_argument(
        "section", nargs="?", metavar="SECTION", help="a number (6) or a slug (error-handling)"
    )
    _plain_option(parser)
    args = parser.parse_args(argv)
    sections = content.load()
    chosen = sections
    if args.section is not None:
        section = content.find(args.section, sections)
        if section is None:
            parser.error(f"no section {args.section!r}. The sections are:\n{_menu(sections)}")
        chosen = [section]

    from rich.rule import Rule

    from guide.render import render_section
    from guide.snippets import SnippetError

    plain = is_plain(args.plain)
    try:
        parts = [render_section(section, plain=plain) for section in chosen]
    except SnippetError as error:
        print(f"{parser.prog}: broken include in the guide: {error}", file=sys.stderr)
        return 1
    pages = [block for part in parts for block in (part, Rule(style="dim"))][:-1]
    if len(chosen) > 1 and sys.stdout.isatty() and not args.plain:
        console = make_console(plain)
        os.environ.setdefault("LESS", "-R")  # let less show the colours
        with console.pager(styles=not plain):
            console.print(*pages)
        return 0
    with output(plain) as console:
        console.print(*pages)
    return 0


def list_sections(argv: list[str]) -> int:
    parser = _parser("list", "The table of contents: each section's number, slug and title.")
    _plain_option(parser)
    args = parser.parse_args(argv)

    from rich import box
    from rich.table import Table

    table = Table("#", "slug", "title", box=box.SIMPLE_HEAD, header_style="bold")
    table.columns[0].justify = "right"
    for section in content.load():
        table.add_row(str(section.number), section.slug, section.title)
    prog = parser.prog.removesuffix(" list")
    with output(is_plain(args.plain)) as console:
        console.print(table)
        console.print(f"Read one: {prog} 6  or  {prog} error-handling", style="dim")
    return 0


def search(argv: list[str]) -> int:
    parser = _parser("search", "Every line of the guide that mentions WORD, with its neighbours.")
    parser.add_argument("words", nargs="+", metavar="WORD", help="a word or phrase (any case)")
    _plain_option(parser)
    args = parser.parse_args(argv)
    phrase = " ".join(args.words)
    pattern = re.compile(re.escape(phrase), re.IGNORECASE)

    from rich.text import Text

    from guide.markdown import without_comments
    from guide.snippets import expand

    sections = content.load()
    found = found_in = 0
    with output(is_plain(args.plain)) as console:
        for section in sections:
            lines = without_comments(expand(section.source())).splitlines()
            hits = {number for number, line in enumerate(lines) if pattern.search(line)}
            if hits:
                found, found_in = found + len(hits), found_in + 1
                console.print(Text(f"{section.number}  {section.title}", style="bold"))
                console.print(_excerpt(lines, hits, pattern))
                console.print()
        if found:
            summary = f"{_count(found, 'match')} in {_count(found_in, 'section')}."
            console.print(summary, style="dim")
    if not found:
        print(f"No match for {phrase!r} in the guide's {len(sections)} sections.", file=sys.stderr)
        return 1
    return 0


def _excerpt(lines: list[str], hits: set[int], pattern: re.Pattern[str]) -> Text:
    """The lines in `hits`, marked `>`, each with the line before and after; `…` for gaps."""
    from rich.text import Text

    nearby = {near for hit in hits for near in (hit - 1, hit, hit + 1)}
    shown = sorted(nearby & set(range(len(lines))))
    excerpt = Text()
    previous = None
    for number in shown:
        if number not in hits and not lines[number].strip():
            continue
        if previous is not None and number - previous > 1:
            excerpt.append("    …\n", style="dim")
        line = Text(lines[number].rstrip() + "\n", style="" if number in hits else "dim")
        line.highlight_regex(pattern, style="bold black on yellow")
        excerpt.append_text(Text("  > " if number in hits else "    ") + line)
        previous = number
    excerpt.rstrip()
    return excerpt


def tour(argv: list[str]) -> int:
    """The tour parses its own arguments (`python -m guide tour --help` lists them)."""
    try:
        module = importlib.import_module("guide.tour")
    except ImportError as error:
        print(f"python -m guide tour: the tour cannot start: {error}", file=sys.stderr)
        return 1
    return module.main(argv) or 0


def serve(argv: list[str]) -> int:
    """The same as `python -m demo_app serve`, whose parser takes the arguments."""
    try:
        from demo_app.__main__ import main as demo_app
    except ImportError as error:
        print(f"python -m guide serve: the demo app cannot start: {error}", file=sys.stderr)
        return 1
    return demo_app(["serve", *argv], prog="python -m guide")


def worker(argv: list[str]) -> int:
    try:
        from guide.live.celery import main as start_workers
    except ImportError as error:
        print(f"python -m guide worker: cannot start: {error}", file=sys.stderr)
        return 1
    return start_workers(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "list": list_sections,
    "search": search,
    "tour": tour,
    "serve": serve,
    "worker": worker,
}


def _parser(command: str | None, description: str) -> argparse.ArgumentParser:
    name = os.path.basename(sys.argv[0])
    prog = name if name == "guide" else "python -m guide"
    return argparse.ArgumentParser(
        prog=f"{prog} {command}" if command else prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _plain_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plain",
        action="store_true",
        help="plain text, without colours or pager (output is plain anyway when piped or "
        "NO_COLOR is set)",
    )


def _menu(sections: list[content.Section]) -> str:
    return "\n".join(f"  {s.number:>2}  {s.slug:<20} {s.title}" for s in sections)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 'es' if noun.endswith('h') else 's'}"
