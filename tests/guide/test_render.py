"""The mkdocs-material dialect, rendered for a terminal (plain text here, to compare)."""

from __future__ import annotations

import io
from textwrap import dedent

from rich.console import Console

from guide.render import DIAGRAM_TITLE, render


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
