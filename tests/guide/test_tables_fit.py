"""The tables of sections 6, 8, 9 and 10 read whole in a 100-column terminal: a cell may
wrap between words, but no word of it is folded or cut. Section 10's table of tools is
narrow enough that each of its rows stays on one line."""

import re

import pytest
from rich.console import Console

from guide import markdown, render, sections

WIDTH = 100
OWN = ("06-error-handling.md", "08-best-practices.md", "09-limitations.md", "10-upgrade-path.md")
SECTIONS = [s for s in sections.load(sections.CONTENT_DIR) if s.path.name in OWN]


def table_cells(text: str) -> list[str]:
    """The cell texts of every Markdown table outside code, as the terminal shows them."""
    cells = []
    for line in markdown.outside_fences(text):
        if not line.startswith("|") or re.fullmatch(r"\|[-| :]+\|", line.strip()):
            continue
        for cell in line.strip().strip("|").split("|"):
            shown = re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", cell).replace("`", "").strip()
            cells.append(re.sub(r"\*\*(.+?)\*\*", r"\1", shown))
    return [cell for cell in cells if cell]


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_every_table_cell_is_shown_whole_at_100_columns(section):
    console = Console(width=WIDTH, record=True, color_system=None)
    console.print(render.render_section(section, plain=True))
    shown = console.export_text()
    cells = table_cells(section.source())
    words = {word for cell in cells for word in re.findall(r"[\w.=/{}-]+", cell)}
    folded = sorted(word for word in words if word not in shown)
    assert not folded, f"words folded or cut at {WIDTH} columns: {folded}"


def test_each_row_of_the_tools_table_is_one_line():
    [upgrade] = [s for s in SECTIONS if s.path.name == "10-upgrade-path.md"]
    console = Console(width=WIDTH, record=True, color_system=None)
    console.print(render.render_section(upgrade, plain=True))
    lines = console.export_text().splitlines()
    text = upgrade.source()
    rows = text[text.index("| Tool |") : text.index("Worth knowing")].splitlines()
    rows = [row for row in rows if row.startswith("|")]
    assert len(rows) == 10  # the header, the rule, eight tools
    for row in rows:
        cells = table_cells(row)
        assert any(all(cell in line for cell in cells) for line in lines), f"{row} wraps"
