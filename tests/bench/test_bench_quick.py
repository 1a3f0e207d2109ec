"""`make bench-quick` runs, so the cost benchmark cannot rot unnoticed; the docs page shows
what the committed JSON says.

The quick mode runs every way once (10 clients, a 100 ms mail server) on real servers,
Redis, Celery and Taskiq workers. The test checks that it finishes, writes every figure and
plot, and that every accepted registration's email arrived exactly once. It asserts no
speed: the figures are printed for a reader, not held to a number here.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import docs_hook

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("response_ms", "delivery_ms")


def run_quick(out: Path) -> tuple[dict, str]:
    command = [sys.executable, "-m", "bench.costs", "--quick", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "quick.json").read_text()), done.stdout


@pytest.mark.live
def test_quick_mode_measures_every_way(tmp_path):
    data, printed = run_quick(tmp_path)

    assert [c["mode"] for c in data["cells"]] == [m["key"] for m in data["modes"]]
    assert len(data["modes"]) == 9  # the baseline and the eight ways
    for cell in data["cells"]:
        assert "skipped" not in cell, cell
        assert cell["errors"] == 0 and cell["requests"] > 0, cell
        assert math.isfinite(cell["req_per_s"])
        assert cell["response_ms"]["n"] == cell["requests"]
        assert cell["probe_ms"]["async"]["n"] > 0
        assert cell["peak_rss_mb"]["server"] > 0
        if cell["mode"] != "no-task":  # every accepted registration's email, once
            assert cell["all_delivered"], cell
            assert (cell["lost"], cell["duplicated"]) == (0, 0), cell
            assert cell["delivery_ms"]["n"] == cell["requests"]
    batch = data["celery"]["batch"]
    assert batch["killed_pids"] and batch["queue_settled"]
    # acks_late + the visibility timeout bring a killed worker's messages back; one it had
    # just taken from Redis is gone, and beat's sweep sends its run again (counted)
    assert batch["lost"] == 0, batch
    assert f"{batch['resent']} sent again by the sweep" in printed
    assert data["machine"]["cores"] and data["machine"]["load_average_start"]
    assert {"fastapi", "celery", "taskiq"} <= set(data["versions"])
    for name in ("response", "delivery", "unrelated"):
        assert (tmp_path / f"quick-{name}.svg").read_text().lstrip().startswith("<?xml")
    assert "Figures to reach" in printed and "Celery: enqueue p50" in printed
    assert "The price of durability" in printed


def load_hook():
    return docs_hook("costs")


class Page:
    class file:  # noqa: N801 (what mkdocs passes: page.file.src_uri)
        src_uri = "costs.md"


@pytest.mark.slow  # draws every plot of the costs page
def test_docs_page_shows_the_committed_json():
    hook, report = load_hook(), pytest.importorskip("bench.costs.report")
    data = hook.results()
    page = hook.on_page_markdown((ROOT / "docs/costs.md").read_text(), Page(), None, None)

    assert "<!-- costs:" not in page  # every marker filled
    assert f"on {data['machine']['cores']} cores" in page
    for cell in data["cells"]:
        if "skipped" in cell:
            assert f"skipped: {cell['skipped']}" in page
        else:
            assert "| " + " | ".join(report.row(data, cell)) + " |" in page
    for name in hook.plots.FIGURES:
        assert f"(costs/{data['kind']}-{name}.svg)" in page
