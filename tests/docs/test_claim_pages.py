"""The claim index, the release table and the section pages' claims lists, as built.

docs/hooks/claims.py draws them from the claims test modules, the guide's claim marks and
tests/claims/releases.json; these tests read the built site and compare it with those
sources, read here on their own.
"""

from __future__ import annotations

import ast
import html
import importlib.metadata
import json
import re

import pytest

from guide import markdown, sections
from tests.docs.support import Site
from tests.support import REPO

pytestmark = pytest.mark.live

CLAIMS_DIR = REPO / "tests" / "claims"
SHOWN = {"holds": "✓", "differs": "✗", "n/a": "–"}  # a cell of the claim x release table
TABLE = json.loads((CLAIMS_DIR / "releases.json").read_text(encoding="utf-8"))
TAGS = re.compile(r"<[^>]+>")


def text(page_html: str) -> str:
    return " ".join(html.unescape(TAGS.sub(" ", page_html)).split())


def modules() -> dict[str, tuple[str, list[str]]]:
    """{claim id: (module file name, its test function names)}."""
    found = {}
    for path in sorted(CLAIMS_DIR.glob("test_claim_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        claim = re.search(r'^CLAIM = "(?P<id>[^"]+)"', path.read_text(), re.M)["id"]
        tests = [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        ]
        found[claim] = (path.name, tests)
    return found


def marked() -> dict[str, list[sections.Section]]:
    """{claim id: the sections whose prose marks it}."""
    found: dict[str, list[sections.Section]] = {}
    for section in sections.load():
        for claim in dict.fromkeys(m.id for m in markdown.claim_marks(section.source())):
            found.setdefault(claim, []).append(section)
    return found


def index_entry(page: str, claim: str) -> str:
    """The HTML of one claim's part of the index: from its heading to the next one."""
    start = page.index(f'id="{claim}"')
    end = page.find("<h2", start)
    return page[start : end if end != -1 else len(page)]


@pytest.mark.parametrize("claim", sorted(modules()))
def test_every_claim_is_on_the_index_with_its_tests_and_sections(site: Site, claim: str):
    page = site.page("claims")
    assert f'id="{claim}"' in page, f"{claim} is not on the claim index"
    entry = index_entry(page, claim)
    file, tests = modules()[claim]
    assert file in entry
    for test in tests:
        assert test in entry, f"{claim}: {test} is not listed"
    for section in marked().get(claim, []):
        assert f'href="../sections/{section.path.stem}/' in entry, (claim, section.path.name)
    assert f'href="../releases/#row-{claim}"' in entry


def test_the_release_page_shows_the_installed_column(site: Site):
    page = site.page("releases")
    version = importlib.metadata.version("fastapi")
    column = next(c for c in TABLE["releases"] if c["fastapi"] == version)
    header = re.search(r"<thead>(.*?)</thead>", page[page.index('id="the-table"') :], re.S)[1]
    versions = [text(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", header, re.S)]
    assert versions == ["Claim"] + [c["fastapi"] for c in TABLE["releases"]]
    position = versions.index(version)
    for claim, cell in column["claims"].items():
        row = re.search(rf'<tr>\s*<td[^>]*><a id="row-{claim}"></a>(.*?)</tr>', page, re.S)
        assert row, f"no row for {claim}"
        cells = [text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row[0], re.S)]
        assert cells[position] == SHOWN[cell["status"]], (claim, cells)
    assert f"{column['versions']['starlette']}" in text(page)


def test_each_section_page_lists_its_claims(site: Site):
    for section in sections.load():
        claims = list(dict.fromkeys(m.id for m in markdown.claim_marks(section.source())))
        page = site.page(f"sections/{section.path.stem}")
        if not claims:
            assert 'id="claims-in-this-section"' not in page
            continue
        listed = page[page.index('id="claims-in-this-section"') :]
        assert re.findall(r'href="\.\./\.\./claims/#([a-z0-9-]+)"', listed) == claims
        for claim in claims:
            assert f'href="../../releases/#row-{claim}"' in listed
