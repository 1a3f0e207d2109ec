"""The notebooks on the built docs site: a page per notebook, executed by this build (or
kept from an earlier one for the same sources), linked from its section, nothing from the web."""

import re
from pathlib import Path

import pytest

from tests.docs.support import Site

pytestmark = pytest.mark.live

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))
LOADS = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"(?P<url>[^\"]+)\"")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_notebook_is_a_page_with_its_outputs(site: Site, path):
    page = site.page(f"notebooks/{path.stem}")
    assert "Executed when this site was built" in page
    assert page.count('<span class="filename">output</span>') >= 3, "outputs missing"
    assert "Not yet: " in page  # the exercise's verdict on the untouched starter
    for image in re.findall(r'<img [^>]*src="([^"]+\.png)"', page):
        assert (site.path / "notebooks" / path.stem / image).resolve().is_file(), image
    for load in LOADS.finditer(page):
        assert "//" not in load["url"], f"{path.stem} loads {load['url']}"


def test_each_section_page_links_its_notebook(site: Site):
    for path in NOTEBOOKS:
        page = site.page(f"sections/{path.stem}")
        assert f'href="../../notebooks/{path.stem}/"' in page, path.stem
