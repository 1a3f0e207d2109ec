"""A headless chromium for the browser tests, found without fetching anything.

First a chromium on PATH (Debian's: `apt-get install chromium`, which `.ci/run` does in
CI), then the one Playwright keeps in its own cache after `make browser` (Playwright's
`playwright install chromium`: a download of about 150 MB, no root). The tests never
download it themselves: nothing in the suite reaches the web. Neither found: a skip with
one line saying both ways, or a failure under CI=true (`require`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import require

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "no chromium: apt-get install chromium, or `make browser` (Playwright's own, no root)"


def system_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A launched Playwright browser (`browser.new_page()`), closed afterwards."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright Python package is not installed")
    with sync_playwright() as playwright:
        executable = system_chromium()
        if executable is None:  # Playwright's own download, if `make browser` fetched it
            own = Path(playwright.chromium.executable_path)
            executable = str(own) if own.is_file() else None
        require(executable is not None, MISSING)
        # launch() starts chromium with a fresh temporary profile (its own --user-data-dir)
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
