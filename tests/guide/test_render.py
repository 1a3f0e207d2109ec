"""The mkdocs-material dialect, rendered for a terminal (plain text here, to compare)."""

from __future__ import annotations

from textwrap import dedent

from guide.render import DIAGRAM_TITLE


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


def test_mermaid_diagram_is_shown_as_its_source_in_a_panel(rendered):
    out = rendered("```mermaid\nsequenceDiagram\n    Client->>App: POST /register\n```\n")
    assert out.splitlines()[0].startswith(f"╭─ {DIAGRAM_TITLE} ─")
    assert "│ sequenceDiagram" in out
    assert "│     Client->>App: POST /register" in out
    assert "```" not in out


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
