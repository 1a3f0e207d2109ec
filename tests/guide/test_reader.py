"""A reader in a 100x40 terminal: every section drawn whole, long output paged,
search grouped with the command that opens each hit, and help that documents its options."""

from __future__ import annotations

import inspect
import io
import os
import re
import sys
import types
from collections import Counter

import pytest
from rich.console import Console

from guide import cli, sections
from guide import markdown as md
from guide.render import footer, render_section
from guide.snippets import expand

pytestmark = pytest.mark.live  # each test runs the guide in a pseudo-terminal

REAL = sections.load(sections.CONTENT_DIR)
PAGED = "paged:"
MARKING_PAGER = {"PAGER": f"sed s/^/{PAGED}/", "MANPAGER": ""}
TOKEN = re.compile(r"[A-Za-z0-9_']+")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def on_a_100x40_terminal(section: sections.Section, deep: bool = False) -> str:
    """The section as `python -m guide N` draws it (`deep`: with `--deep`, folds open)."""
    console = Console(
        file=io.StringIO(), width=100, height=40, force_terminal=True, color_system=None
    )
    console.print(render_section(section, deep=deep), footer(section, REAL))
    return console.file.getvalue()


def table_cells(section: sections.Section) -> list[str]:
    """The text of every table cell in the section, Markdown marks taken out."""
    cells = []
    for line in md.outside_fences(md.without_comments(expand(section.source()))):
        row = line.strip()
        if not row.startswith("|") or set(row) <= set("|-: "):
            continue
        for cell in CELL_SPLIT.split(row.strip("|")):
            cells.append(LINK.sub(r"\1", cell).replace("\\|", "|"))
    return cells


@pytest.mark.parametrize("section", REAL, ids=lambda section: str(section.number))
def test_every_section_fits_a_100_column_terminal_with_nothing_cut(section):
    assert all(len(line.rstrip()) <= 100 for line in on_a_100x40_terminal(section).splitlines())
    out = on_a_100x40_terminal(section, deep=True)  # every table, folded ones included
    assert "sequenceDiagram" not in out and "->>" not in out  # no raw mermaid
    assert "```" not in out
    assert out.count("…") == section.source().count("…")  # rich marks a cut cell with …
    assert all(len(line.rstrip()) <= 100 for line in out.splitlines())
    words = Counter(TOKEN.findall(out))
    cell_words = Counter(word for cell in table_cells(section) for word in TOKEN.findall(cell))
    missing = cell_words - words  # a cell cut or a word folded in two loses a word
    assert not missing, missing


def test_the_checks_above_see_tables_and_the_diagram():
    """The parametrized test passes for the right reason: there are tables to check."""
    assert len(table_cells(REAL[9])) > 40  # section 10, the one whose cell was cut
    first = on_a_100x40_terminal(REAL[0])
    assert "│ Client │" in first and "▶│" in first  # the diagram is drawn


def test_every_section_ends_with_next_and_try_it():
    for number, section in enumerate(REAL):
        lines = on_a_100x40_terminal(section).rstrip().splitlines()
        if number + 1 < len(REAL):
            following = REAL[number + 1]
            assert lines[-2] == (
                f"Next: {following.number}  {following.title} (python -m guide {following.number})"
            )
        else:
            assert lines[-2].startswith("Next: this is the last section")
        notebook = f"notebooks/{section.path.stem}.ipynb"
        assert lines[-1] == f"Try it: {notebook}, python -m guide exercise {section.number}"


def test_a_section_taller_than_the_terminal_is_paged(guide_on_terminal):
    status, out = guide_on_terminal("3", env=MARKING_PAGER)
    assert status == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) > 40
    assert all(line.startswith(PAGED) for line in lines)


def test_the_pager_gets_less_r_so_that_colours_show_unless_less_is_set(guide_on_terminal):
    assert "LESS" not in os.environ  # the helper passes this environment on
    status, out = guide_on_terminal("3", env={"PAGER": "printenv LESS"})
    assert status == 0 and out.strip() == "-R"
    status, out = guide_on_terminal("3", env={"PAGER": "printenv LESS", "LESS": "-S"})
    assert status == 0 and out.strip() == "-S"


def test_search_taller_than_the_terminal_is_paged(guide_on_terminal):
    status, out = guide_on_terminal("search", "add_task", env=MARKING_PAGER)
    assert status == 0
    assert all(line.startswith(PAGED) for line in out.splitlines() if line.strip())


@pytest.mark.parametrize(
    "args", [["list"], ["3", "--plain"], ["search", "add_task", "--plain"]], ids=" ".join
)
def test_no_pager_for_short_output_or_plain(guide_on_terminal, args):
    status, out = guide_on_terminal(*args, env=MARKING_PAGER)
    assert status == 0 and out.strip()
    assert PAGED not in out


@pytest.mark.parametrize("args", [["3"], ["search", "add_task"], []], ids=" ".join)
def test_no_pager_when_piped(guide, args):
    result = guide(*args, env=MARKING_PAGER)
    assert result.returncode == 0, result.stderr
    assert PAGED not in result.stdout
    assert len(result.stdout.splitlines()) > 40


def test_search_groups_hits_under_section_and_heading_with_the_open_command(guide):
    out = guide("search", "add_task").stdout
    lines = out.splitlines()
    titles = [n for n, line in enumerate(lines) if re.match(r"^\d+  ", line)]
    assert len(titles) >= 3
    for n in titles:
        number = int(lines[n].split()[0])
        section = REAL[number - 1]
        assert lines[n] == f"{number}  {section.title}   python -m guide {number}"
    headings = {line.strip() for line in lines if line.startswith("  #")}
    real = {f"{'#' * h.level} {h.text}" for s in REAL for h in md.headings(s.source())}
    assert headings and headings <= real
    assert re.match(
        r"^\d+ match(es)? in prose, \d+ match(es)? in code, in \d+ sections\.$", lines[-1]
    )


def test_search_shows_prose_rendered_and_code_as_code(guide, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "01-one.md").write_text(
        "# One\n\n## Where\n\nSome **bold** text about `add_task` here.\n\n"
        "| Call | When |\n|---|---|\n| other | never |\n| `add_task(f)` | after |\n\n"
        "```python\nfirst()\nadd_task(f)\nlast()\n```\n\n"
        "- a list item\n- an item with add_task\n  that goes on\n- another item\n"
    )
    result = guide("search", "add_task", content=content)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1  One   python -m guide 1"
    assert lines[1] == "  ## Where"
    text = "\n".join(lines)
    assert "Some bold text about add_task here." in text  # rendered: no ** or `
    row = next(line for line in lines if "add_task(f)" in line and "after" in line)
    header = next(line for line in lines if "Call" in line and "When" in line)
    assert row.index("after") == header.index("When")  # a table row, in its columns
    assert "other" not in text  # the row without a hit is left out
    code = lines.index("    code")
    assert [line.strip() for line in lines[code + 1 : code + 4]] == [
        "first()",
        "add_task(f)",
        "last()",
    ]
    assert "• an item with add_task that goes on" in text
    assert "a list item" not in text and "another item" not in text
    assert lines[-1] == "3 matches in prose, 1 match in code, in 1 section."


def test_hits_only_in_code_are_not_counted_as_prose(guide, tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "01-one.md").write_text("# One\n\n```python\nzebra = 1\n```\n")
    result = guide("search", "zebra", content=content)
    assert result.stdout.splitlines()[-1] == "0 matches in prose, 1 match in code, in 1 section."


def help_of(guide, *command: str) -> str:
    result = guide(*command, "--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def option_help(out: str, option: str) -> str:
    """The help text argparse printed for `option` (on its line and the lines after)."""
    match = re.search(rf"^  {option}\b[^\n]*(?:\n {{4,}}[^\n]*)*", out, re.MULTILINE)
    assert match, option
    return " ".join(match[0].split()[1:])


def test_serve_help_documents_its_options_and_the_swagger_ui_url(guide):
    out = help_of(guide, "serve")
    assert "default 127.0.0.1" in option_help(out, "--host")
    assert "default 8000" in option_help(out, "--port")
    assert "restart" in option_help(out, "--reload")
    assert "http://127.0.0.1:8000/docs" in out and "uvicorn" in out


def test_worker_help_says_what_it_starts_and_documents_its_options(guide):
    out = help_of(guide, "worker")
    assert "REDIS_URL" in out and "embedded redis-server" in out
    assert "two worker processes" in out and "beat" in out
    assert "test" not in out.lower()
    assert "default 2" in option_help(out, "--workers")
    assert "default 1" in option_help(out, "--concurrency")
    assert "do not start celery beat" in option_help(out, "--no-beat")
    assert "default INFO" in option_help(out, "--loglevel")


def test_worker_help_lists_the_options_the_worker_really_takes(guide):
    from guide.live import celery

    used = set(re.findall(r"\bargs\.(\w+)", inspect.getsource(celery.start_workers)))
    listed = {
        o[2:].replace("-", "_") for o in re.findall(r"--[a-z][a-z-]+", help_of(guide, "worker"))
    }
    assert used == listed - {"help"}


def test_exercise_and_check_go_to_the_exercises_cli(monkeypatch):
    calls = []
    fake = types.ModuleType("guide.exercises.cli")
    fake.main = lambda argv: calls.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "guide.exercises.cli", fake)
    assert cli.main(["exercise", "3"]) == 0
    assert cli.main(["check", "3"]) == 0
    assert cli.main(["exercise"]) == 0
    assert calls == [["exercise", "3"], ["check", "3"], ["exercise"]]


def test_without_the_exercises_module_exercise_says_so_in_one_line(monkeypatch, capsys):
    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}", name="guide.exercises")

    monkeypatch.setattr(cli.importlib, "import_module", missing)
    assert cli.main(["exercise", "3"]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "exercises" in out
