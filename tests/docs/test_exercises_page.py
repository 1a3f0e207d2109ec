"""The exercises page lists the catalog's exercises (docs/hooks/exercises.py draws it from
guide/exercises/catalog.py, the one source), with how to start and check each one."""

from __future__ import annotations

import html
import re

import pytest

from guide.exercises.catalog import EXERCISES
from tests.docs.support import Site
from tests.support import REPO, docs_hook


def hook():
    return docs_hook("exercises")


def test_the_list_is_the_catalog_in_order_with_each_ones_commands():
    text = hook().build()
    headings = re.findall(r"^### (\d+)\. (.+)$", text, re.M)
    assert headings == [(str(n), spec.title) for n, spec in EXERCISES.items()]
    for number, spec in EXERCISES.items():
        part = text.split(f"### {number}. ")[1].split("\n### ")[0]
        assert f"python -m guide exercise {number}`" in part
        assert f"python -m guide check {number}`" in part
        assert f"`exercise({number})`" in part and f"`check({number})`" in part
        assert f"`exercises/{spec.filename}`" in part
        assert " ".join(spec.task.split()) in part


def test_the_links_go_to_pages_the_site_has():
    text = hook().build()
    notebooks = {path.stem for path in (REPO / "notebooks").glob("*.ipynb")}
    for target in re.findall(r"\]\(([^)]+)\)", text):
        kind, name = target.split("/")
        if kind == "sections":
            assert (REPO / "docs" / target).is_file(), target
        else:
            assert kind == "notebooks" and name.removesuffix(".md") in notebooks, target


def test_the_page_includes_the_list_and_is_in_the_nav():
    page = (REPO / "docs" / "exercises.md").read_text()
    assert '--8<-- "var/docs-generated/exercises/exercises.md"' in page
    config = (REPO / "mkdocs.yml").read_text()
    assert "  - Exercises: exercises.md\n" in config
    assert "  - docs/hooks/exercises.py" in config


@pytest.mark.live
def test_the_built_page_shows_the_ten(site: Site):
    page = html.unescape(site.page("exercises"))
    for spec in EXERCISES.values():
        assert spec.title in page, spec.title
