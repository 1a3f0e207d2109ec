"""The mkdocs-material dialect, rendered for a terminal (plain text here, to compare)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest
from rich.console import Console

from guide import sections
from guide.checkout import checkout_root
from guide.render import DIAGRAM_TITLE, footer, render, render_section

REPO = Path(__file__).resolve().parents[2]


def test_admonition_is_a_panel_with_its_title(rendered):
    out = rendered('!!! warning "A failing task stops the rest"\n    The later tasks never run.\n')
    lines = out.splitlines()
    assert lines[0].startswith("╭─ A failing task stops the rest ─")
    assert lines[1].startswith("│ The later tasks never run.")
    assert lines[2].startswith("╰─")


def test_admonition_without_a_title_is_titled_by_its_kind(rendered):
    assert rendered("!!! tip\n    Pass ids, not sessions.\n").startswith("╭─ Tip ─")
    assert rendered("??? note\n    Collapsed on the site.\n").startswith("╭─ Note ─")
    assert rendered('???+ info ""\n    No title at all.\n').startswith("╭──")


def test_admonition_body_is_markdown_and_ends_at_the_first_unindented_line(rendered):
    out = rendered(
        dedent("""\
            !!! danger "Never block the loop"
                `time.sleep` in an `async def` task:

                - freezes every request

            After the panel.
            """)
    )
    assert "│  • freezes every request" in out
    assert "`" not in out
    assert out.splitlines()[-1] == "After the panel."


def test_tabs_are_labelled_blocks_one_after_another(rendered):
    out = rendered(
        dedent("""\
            === "def task"

                Runs in the thread pool.

            === "async def task"

                Runs on the event loop.

                !!! warning "Blocking"
                    Blocks everyone.
            """)
    )
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[:4] == [
        "▍def task",
        "  Runs in the thread pool.",
        "▍async def task",
        "  Runs on the event loop.",
    ]
    assert lines[4].startswith("  ╭─ Blocking ─")
    assert "===" not in out


def test_a_mermaid_sequence_diagram_is_drawn_not_shown_as_source(rendered):
    out = rendered("```mermaid\nsequenceDiagram\n    Client->>App: POST /register\n```\n")
    assert "sequenceDiagram" not in out and "->>" not in out and "```" not in out
    lines = out.splitlines()
    assert "│ Client │" in lines[1] and "│ App │" in lines[1]
    label = next(number for number, line in enumerate(lines) if "POST /register" in line)
    assert lines[label + 1].strip().startswith("│─") and lines[label + 1].strip().endswith("▶│")


def test_a_diagram_it_cannot_draw_is_shown_as_its_source_in_a_panel(rendered):
    out = rendered("```mermaid\nflowchart LR\n    Client --> App\n```\n")
    assert out.splitlines()[0].startswith(f"╭─ {DIAGRAM_TITLE} ─")
    assert "│ flowchart LR" in out
    assert "│     Client --> App" in out
    assert "```" not in out


def test_a_diagram_is_drawn_for_the_width_it_is_given():
    source = "```mermaid\nsequenceDiagram\n    A->>B: " + "a long label " * 12 + "\n```\n"
    for width in (60, 100):
        console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False)
        console.print(render(source, plain=True))
        lines = console.file.getvalue().splitlines()
        assert max(len(line.rstrip()) for line in lines) <= width
        assert sum("a long label" in line for line in lines) > 1  # wrapped, not cut


def test_table_cells_are_folded_not_cut():
    """rich's own table cut the cell "✅ the broker keeps the message" to "…keeps th…" when
    its column came out 23 wide: the width where the line fills the cell exactly."""
    cell = "✅ the broker keeps the message"
    source = f"| a | b |\n|---|---|\n| {'x ' * 30}| {cell} |\n"
    for width in range(40, 80):
        console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False)
        console.print(render(source, plain=True))
        out = console.file.getvalue()
        assert "…" not in out, width
        words = " ".join(line[line.index("x") :] for line in out.splitlines() if "x" in line)
        assert all(word in words for word in cell.split()), width


def test_html_comments_are_removed_except_in_code(rendered):
    out = rendered(
        dedent("""\
            <!-- TODO(writer): a whole-line comment -->
            Visible <!-- inline --> text.

            <!--
            several
            lines
            -->
            ```html
            <!-- in code it is code -->
            ```
            """)
    )
    assert "TODO" not in out and "inline" not in out and "several" not in out
    assert "Visible  text." in out
    assert "<!-- in code it is code -->" in out


def test_code_fence_is_highlighted_code_with_its_title(rendered):
    out = rendered('```python title="app.py" hl_lines="2"\nimport time\ntime.sleep(1)\n```\n')
    assert out.splitlines() == ["app.py", " import time", " time.sleep(1)"]


def test_headings_lists_and_tables(rendered):
    out = rendered(
        dedent("""\
            # Title

            ## Remember

            - tasks run in order

            | Task | When |
            |------|------|
            | send_email | after the response |
            """)
    )
    assert "# Title" in out and "## Remember" in out
    assert " • tasks run in order" in out
    assert any("send_email" in line and "after the response" in line for line in out.splitlines())


def test_an_unclosed_fence_runs_to_the_end(rendered):
    assert "still code" in rendered("```python\nstill code\n")


def test_a_link_to_a_section_file_becomes_the_command_that_opens_it(rendered):
    out = rendered(
        dedent("""\
            The order is in [section
            3](03-how-they-work.md); the spans in [section 7](07-monitoring.md#telemetry).
            The file 09-limitations.md, or `10-upgrade-path.md#uv`, measures the rest.
            """)
    )
    text = " ".join(out.split())
    assert "section 3 (python -m guide 3)" in text
    assert "section 7 (python -m guide 7)" in text
    assert "The file python -m guide 9, or python -m guide 10, measures" in text
    assert ".md" not in text


def test_links_elsewhere_and_file_names_in_code_are_left_alone(rendered):
    out = rendered(
        dedent("""\
            The [FastAPI docs](https://fastapi.tiangolo.com/) and notes-03-how-they-work.md.

            ```text
            guide/content/03-how-they-work.md
            ```
            """)
    )
    assert "https://fastapi.tiangolo.com/" in out and "notes-03-how-they-work.md" in out
    assert "guide/content/03-how-they-work.md" in out


@pytest.mark.parametrize("section", sections.load(sections.CONTENT_DIR), ids=lambda s: s.slug)
def test_no_section_names_another_by_its_file_in_the_terminal(section: sections.Section):
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(render_section(section, plain=True))
    assert not re.findall(r"\b\d{2}-[a-z0-9-]+\.md", out.getvalue())


def _footer(root: Path | None) -> str:
    every = sections.load(sections.CONTENT_DIR)
    return footer(sections.find("3", every), every, root=root).plain  # type: ignore[arg-type]


def test_a_checkout_offers_the_sections_notebook_in_the_footer():
    assert checkout_root() == REPO
    assert "Try it: notebooks/03-how-they-work.ipynb, python -m guide exercise 3" in _footer(REPO)
    assert _footer(REPO) == _footer(checkout_root())


def test_a_wheel_is_offered_only_the_exercise():
    assert _footer(None).splitlines()[-1] == "Try it: python -m guide exercise 3"


SHOW_FOOTER = """\
from guide import render, sections
every = sections.load()
print(render.footer(sections.find("3", every), every).plain)
"""


@pytest.mark.live  # runs the guide as a process
def test_an_installed_wheels_footer_names_no_notebook(tmp_path):
    """The package alone, as a wheel installs it, first on PYTHONPATH (no notebooks/ beside)."""
    site = tmp_path / "site-packages"
    shutil.copytree(REPO / "guide", site / "guide", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "GUIDE_CONTENT_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", SHOW_FOOTER],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[-1] == "Try it: python -m guide exercise 3"
    assert "notebooks" not in result.stdout


FOLDED_SECTION = """\
# Patterns

## Registration

Two lines of add_task.

??? deeper "In the demo app: limits and quotas"

    The demo refuses a sixth sign-up a minute.

## What to remember

- Tasks run after the response.
"""


def _section_text(tmp_path: Path, monkeypatch, capsys, *args: str) -> str:
    """What `python -m guide 5 --plain [args]` prints for FOLDED_SECTION (in this process)."""
    from guide import cli

    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "05-patterns.md").write_text(FOLDED_SECTION, encoding="utf-8")
    monkeypatch.setenv("GUIDE_CONTENT_DIR", str(content))
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.read(["5", "--plain", *args]) == 0
    return capsys.readouterr().out


def test_a_deeper_part_is_one_line_naming_the_command_that_unfolds_it(
    tmp_path, monkeypatch, capsys
):
    shown = _section_text(tmp_path, monkeypatch, capsys)
    assert "▸ In the demo app: limits and quotas  (python -m guide 5 --deep)" in shown
    assert "sixth sign-up" not in shown
    assert "Two lines of add_task." in shown and "Tasks run after the response." in shown


def test_deep_unfolds_every_deeper_part(tmp_path, monkeypatch, capsys):
    shown = _section_text(tmp_path, monkeypatch, capsys, "--deep")
    assert "The demo refuses a sixth sign-up a minute." in shown
    assert "In the demo app: limits and quotas" in shown and "--deep)" not in shown


def test_a_quoted_part_shows_its_deeper_parts_whole(rendered):
    # render() (the notebooks' quotes) shows everything unless asked to fold.
    assert "The demo refuses a sixth sign-up a minute." in rendered(FOLDED_SECTION)


def test_links_to_other_pages_become_what_a_terminal_can_follow(rendered):
    shown = rendered(
        "See the [recipe](../recipes.md#job-status-202), the [claim](../claims.md#shutdown-waits)"
        " and [the decision guide](../choosing.md#celery)."
    )
    assert "recipe (python -m guide recipe job-status-202)" in shown
    assert "claim shutdown-waits" in shown
    assert "the decision guide (docs/choosing.md)" in shown
    assert "../" not in shown
