"""The built site in a real browser: chromium (tests/browser.py), driven by Playwright, over HTTP on
127.0.0.1. Every page load is watched: a request to any other host, a console error or an
uncaught exception fails the test. Screenshots land in test-artifacts/docs/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from guide.sections import load
from tests.browser import launched_chromium
from tests.support import REPO

pytestmark = pytest.mark.live

ARTIFACTS = REPO / "test-artifacts" / "docs"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@dataclass
class Watched:
    """A page, and everything it did that a reader's browser should never do."""

    page: object
    base: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str = ""):
        self.page.goto(self.base + path, wait_until="networkidle")
        return self.page

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=False)


@pytest.fixture
def site_page(browser, site_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    watched = Watched(page, site_url)

    def on_request(request) -> None:
        if urlsplit(request.url).hostname != "127.0.0.1" and not request.url.startswith(
            ("data:", "blob:")
        ):
            watched.outside.append(request.url)

    page.on("request", on_request)
    page.on(
        "console",
        lambda message: message.type == "error" and watched.errors.append(message.text),
    )
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
    yield watched
    context.close()
    assert watched.outside == [], f"requests outside 127.0.0.1: {watched.outside}"
    assert watched.errors == [], f"JavaScript errors: {watched.errors}"


def test_home_page_renders_in_light_and_dark(site_page: Watched):
    page = site_page.goto()
    assert "runnable guide" in page.locator("h1").first.inner_text()
    assert page.locator("text=What they are for").is_visible()
    assert page.locator("text=python -m guide tour").first.is_visible()
    site_page.shot("home-light")

    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert page.evaluate(scheme) == "default"
    page.locator("label[title='Switch to dark mode']").click()
    page.wait_for_function(f"{scheme} === 'slate'")
    site_page.shot("home-dark")


def test_every_section_is_reachable_through_the_navigation(site_page: Watched):
    page = site_page.goto()
    for section in load():
        link = page.locator(f"nav.md-nav--primary a[href$='{section.path.stem}/']")
        link.first.click()
        page.wait_for_url(f"**/sections/{section.path.stem}/")
        assert page.locator("article h1").first.inner_text().strip(" ¶") == section.title
    site_page.shot("section-10")


def test_search_finds_background_tasks(site_page: Watched):
    page = site_page.goto()
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("BackgroundTasks")  # typed: Material searches on key events
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible")
    assert "BackgroundTasks" in page.locator(".md-search-result").inner_text()
    links = results.locator("a").evaluate_all("links => links.map(link => link.href)")
    assert any("/sections/" in link for link in links), links  # it finds the guide itself
    site_page.shot("search")


@pytest.mark.parametrize(
    ("path", "tab"),
    [("patterns/runs-and-retries/", None), ("", "Celery")],
    ids=["retry-flow", "celery-flow"],
)
def test_mermaid_diagrams_render(site_page: Watched, path: str, tab: str | None):
    page = site_page.goto(path)
    if tab:
        page.locator(".tabbed-labels label", has_text=tab).first.click()
    diagram = page.locator("div.mermaid:visible").first  # drawn in a closed shadow root
    page.wait_for_function(
        "el => el.getBoundingClientRect().height > 100", arg=diagram.element_handle()
    )
    diagram.scroll_into_view_if_needed()
    site_page.shot(f"mermaid-{re.sub(r'[^a-z]+', '-', (tab or path).lower()).strip('-')}")


def test_the_release_tables_fit_a_laptop_screen(site_page: Watched):
    """At 1280 pixels wide, no table of the releases page scrolls sideways."""
    page = site_page.goto("releases/")
    widths = page.eval_on_selector_all(
        ".md-typeset__table table",
        "ts => ts.map(t => [t.scrollWidth, t.closest('.md-typeset__scrollwrap').clientWidth])",
    )
    assert len(widths) == 2
    assert all(wide <= room for wide, room in widths), widths
