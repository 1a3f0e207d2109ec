"""The notebooks' pages on the docs site (docs/hooks/notebooks.py), without a build: what a
page shows of an executed notebook, when a kept copy is used again, and the nav."""

import base64
import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.support import docs_hook

REPO = Path(__file__).parents[2]
hook = docs_hook("notebooks")

PNG = base64.b64encode(b"\x89PNG not really").decode()


def executed() -> nbformat.NotebookNode:
    code = new_code_cell("show(response)")
    code.outputs = [
        new_output("stream", name="stdout", text="\x1b[1mPOST /x -> 201\x1b[0m   \n"),
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
    ]
    return new_notebook(cells=[new_markdown_cell("# 1 · Title"), code])


def test_a_page_shows_the_cells_what_they_printed_and_their_charts():
    markdown, images = hook.page_markdown(executed(), "01-overview")
    assert markdown.startswith("# 1 · Title\n")
    assert "`notebooks/01-overview.ipynb`, run top to bottom" in markdown
    assert "```python\nshow(response)\n```" in markdown
    assert '```text title="output"\nPOST /x -> 201\n```' in markdown  # no colours, no spaces
    assert "![a chart drawn by this cell](01-overview-1.png)" in markdown
    assert markdown.index("POST /x") < markdown.index("01-overview-1.png") < markdown.index("42")
    assert "<Figure>" not in markdown
    assert images == {"01-overview-1.png": b"\x89PNG not really"}


def test_a_kept_copy_is_used_only_for_the_same_notebook_and_sources(tmp_path):
    notebook = tmp_path / "01-overview.ipynb"
    notebook.write_text("one")
    first = hook.cached_path(notebook, "sources")
    assert hook.cached_path(notebook, "sources") == first
    assert hook.cached_path(notebook, "other sources") != first
    notebook.write_text("two")
    assert hook.cached_path(notebook, "sources") != first


def test_the_fingerprint_covers_what_the_notebooks_run():
    covered = {path.relative_to(REPO).as_posix() for path in hook.SOURCES}
    assert {"guide/notebook.py", "guide/live", "guide/examples", "demo_app"} <= covered
    assert {"guide/exercises", "guide/content", "requirements.lock"} <= covered


def test_every_notebook_has_a_page_in_the_nav_and_a_link_from_its_section():
    mkdocs_yml = (REPO / "mkdocs.yml").read_text()
    assert "  - docs/hooks/notebooks.py" in mkdocs_yml
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert f"      - notebooks/{path.stem}.md\n" in mkdocs_yml
        assert (REPO / "docs" / "sections" / f"{path.stem}.md").exists()
        assert f"(../notebooks/{path.stem}.md)" in hook.notebook_link(path.stem)
