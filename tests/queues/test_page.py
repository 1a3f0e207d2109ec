"""docs/choosing.md stays tied to what runs: every app in guide/queues is on it, every test
it names exists, and every figure marker it holds renders from the benchmark's JSON."""

from __future__ import annotations

import re

from tests.queues.ways import IN_PROCESS, QUEUES, ROOT
from tests.support import docs_hook

PAGE = (ROOT / "docs" / "choosing.md").read_text(encoding="utf-8")
TESTS = "".join(
    path.read_text(encoding="utf-8") for path in (ROOT / "tests" / "queues").glob("test_*.py")
)


def test_every_way_is_included_on_the_page_and_run_by_the_tests():
    apps = sorted(
        path.stem
        for path in (ROOT / "guide" / "queues").glob("*.py")
        if path.stem not in {"__init__", "welcome"}
    )
    assert sorted(way.name for way in IN_PROCESS + QUEUES) == apps
    for app in [*apps, "welcome"]:
        assert f'--8<-- "guide/queues/{app}.py"' in PAGE, app


def test_every_test_the_page_names_exists():
    named = set(re.findall(r"`(test_\w+)`", PAGE))
    assert named, "the page names no test"
    for name in named:
        assert f"def {name}(" in TESTS, name


def test_every_figure_marker_renders_from_the_results():
    hook = docs_hook("costs")
    keys = re.findall(r"<!-- costs:way (\S+) -->", PAGE)
    assert keys
    for key in keys:
        assert re.search(r"\d ms", hook.one_way(hook.results(), key)), key
