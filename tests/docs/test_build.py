"""`mkdocs build --strict` of the docs site: every page, every include, real outputs.

Strict mode with `validation:` set to warn (mkdocs.yml) turns a broken internal link, a
missing anchor, a missing include or a page left out of the nav into a failed build.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from guide.markdown import DEEPER
from guide.sections import load
from tests.docs.support import Site
from tests.support import REPO

pytestmark = pytest.mark.live

TAGS = re.compile(r"<[^>]+>")
ASSET = re.compile(r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=\"(?P<url>[^\"]+)\"")
RECORDED = re.compile(r"Recorded (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC while building")
ROW = re.compile(r"<tr>\s*<td[^>]*>(?P<ms>[\d.]+)</td>\s*<td>(?P<event>[^<]+)</td>")


def text(page_html: str) -> str:
    """The page's visible text, roughly: tags removed, entities decoded."""
    return html.unescape(TAGS.sub("", page_html))


def test_the_build_is_clean(site: Site):
    assert "WARNING" not in site.log, site.log


def test_each_section_is_one_include_of_the_guide_content():
    sections = load()
    mkdocs_yml = (REPO / "mkdocs.yml").read_text()
    assert len(sections) == 10
    stubs = sorted(path.name for path in (REPO / "docs" / "sections").glob("*.md"))
    assert stubs == [section.path.name for section in sections]
    for section in sections:
        stub = (REPO / "docs" / "sections" / section.path.name).read_text()
        assert stub == f'--8<-- "guide/content/{section.path.name}"\n'
        assert f"- sections/{section.path.name}\n" in mkdocs_yml


def test_each_section_page_shows_its_content(site: Site):
    for section in load():
        page = site.page(f"sections/{section.path.stem}")
        assert "<h1" in page and html.escape(section.title, quote=False) in page
        assert "--8&lt;--" not in page and "--8<--" not in page, section.path.name


def test_each_deeper_part_is_a_folded_block_on_the_site(site: Site):
    """The first read stays in view; each `??? deeper` part is a closed <details>."""
    folds = 0
    for section in load():
        page = site.page(f"sections/{section.path.stem}")
        wanted = sum(bool(DEEPER.match(line)) for line in section.source().splitlines())
        assert page.count('<details class="deeper">') == wanted, section.path.name
        folds += wanted
    assert folds, "no section has a deeper part"


def test_code_on_the_pages_comes_from_the_tested_files(site: Site):
    assert "async def register(" in text(site.page("patterns/registration"))
    assert "async def send_welcome_email(email: str" in text(site.page("patterns/registration"))
    assert "def upload_text_file(" in text(site.page("patterns/uploads"))
    assert "async def tick(self)" in text(site.page("patterns/runs-and-retries"))


def test_nothing_is_loaded_from_the_web(site: Site):
    for page in site.path.rglob("*.html"):
        for asset in ASSET.finditer(page.read_text(encoding="utf-8")):
            assert "//" not in asset["url"], f"{page.relative_to(site.path)} loads {asset['url']}"
    for stylesheet in site.path.rglob("*.css"):
        assert "fonts.googleapis" not in stylesheet.read_text(encoding="utf-8")
    assert (site.path / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000


def test_the_registration_timeline_was_recorded_by_this_build(site: Site):
    page = site.page("patterns/registration")
    recorded = [
        datetime.strptime(at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        for at in RECORDED.findall(page)
    ]
    assert recorded and all(at >= int(site.started) for at in recorded), "stale outputs"

    events = [(float(row["ms"]), row["event"].strip()) for row in ROW.finditer(page)]
    names = [event for _, event in events]
    assert names[:2] == ["request received", "response sent"], events
    assert names.count("task started") == names.count("task finished") == 2, events
    sent = next(ms for ms, event in events if event == "response sent")
    first_task = next(ms for ms, event in events if event == "task started")
    last_task = max(ms for ms, event in events if event == "task finished")
    assert sent <= first_task < last_task, events


BAR = re.compile(
    r'<rect class="task (?P<status>\w*)" data-task="(?P<task>\w+)" '
    r'data-start-ms="(?P<start>[\d.]+)" data-end-ms="(?P<end>[\d.]+)"'
)
RESPONSE = re.compile(r'<line class="response" data-at-ms="(?P<at>[\d.]+)"')


def test_the_registration_timeline_is_drawn_from_the_same_events(site: Site):
    """One bar per task, from its start to its end, on the response's scale: the chart and
    the table above it come from the same recorded timeline."""
    page = site.page("patterns/registration")
    table = [(float(row["ms"]), row["event"].strip()) for row in ROW.finditer(page)]
    bars = [m.groupdict() for m in BAR.finditer(page)]
    [response] = [float(m["at"]) for m in RESPONSE.finditer(page)]
    assert [bar["task"] for bar in bars] == ["send_welcome_email", "log_user_action"]
    assert response == next(ms for ms, event in table if event == "response sent")
    starts = sorted(ms for ms, event in table if event == "task started")
    assert [float(bar["start"]) for bar in bars] == starts
    spans = [(float(bar["start"]), float(bar["end"])) for bar in bars]
    assert response <= spans[0][0] < spans[0][1] <= spans[1][0] < spans[1][1]  # one by one
    assert {bar["status"] for bar in bars} == {"succeeded"}


def test_the_console_lines_are_the_servers(site: Site):
    console = text(site.page("patterns/registration"))
    assert '"POST /api/v1/auth/register HTTP/1.1" 201 Created' in console
    ada = r"\[register-ada-[0-9a-f]{8}\]"  # the server's id, prefixed with the one sent
    started = re.search(ada + " task send_welcome_email started", console).start()
    assert re.search(ada + " POST /api/v1/auth/register -> 201", console).start() < started
    assert "📧 [TASK] Sending welcome email to a***@example.com" in console  # masked
    retries = text(site.page("patterns/runs-and-retries"))
    hedy = r"\[register-hedy-[0-9a-f]{8}\]"
    assert re.search(hedy + " task send_welcome_email retrying", retries)
    assert re.search(hedy + r" task send_welcome_email started \(attempt 2\)", retries)


def test_every_claim_is_on_the_myths_page(site: Site):
    page = site.page("myths")
    for test in (REPO / "tests" / "claims").glob("test_claim_*.py"):
        claim = re.search(r'^CLAIM = "(?P<id>[^"]+)"', test.read_text(), re.M)["id"]
        assert f'id="{claim}"' in page, claim
        assert test.name in page


def test_every_make_command_on_the_site_exists():
    targets = set(re.findall(r"^([a-z][-a-z]*):", (REPO / "Makefile").read_text(), re.M))
    for page in (REPO / "docs").rglob("*.md"):
        for target in re.findall(r"`make ([a-z][-a-z]*)`", page.read_text()):
            assert target in targets, f"{page.relative_to(REPO)}: no `make {target}`"
