"""A pytest plugin for `make matrix`: every test's outcome, and a short reason, as JSON.

Loaded with `-p tests.release_matrix.record` in each release's throwaway environment; it
writes one record per test phase that did not simply pass (and one per passed call) to the
file named by RELEASE_MATRIX_OUT. `run.py` turns the records into the claim x release table.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ERROR_LINE = re.compile(r"^E\s+(?P<text>[A-Za-z_][\w.]*(?:Error|Exception|Warning)\b.*)$", re.M)
INNER = re.compile(r"^\s*[A-Za-z_][\w.]*(?:Error|Exception): ")
LIMIT = 400
DIFF = ("Left contains", "Right contains", "Use -v", "At index", "Full diff", "Omitting", "  ")
records: list[dict[str, str]] = []


def short(longrepr: object) -> str:
    """The failure in one line: the exception and its message, as pytest shows it."""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", ""):
        lines = [line for line in crash.message.splitlines() if not line.startswith(DIFF)]
        text = " ".join(lines[:2])  # the assertion's own message and the `assert` line
        if "Traceback (most recent call last)" in crash.message:  # a child process's, say
            inner = [line for line in lines if INNER.match(line)]
            text = f"{lines[0]} {inner[-1].strip() if inner else ''}"
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (file, line, reason)
        text = str(longrepr[2])
    else:
        found = ERROR_LINE.findall(str(longrepr))
        lines = str(longrepr).strip().splitlines()
        text = found[-1] if found else (lines[-1] if lines else "")
    line = " ".join(str(text).split())
    return line if len(line) <= LIMIT else line[: LIMIT - 1] + "…"


def record(nodeid: str, when: str, outcome: str, longrepr: object) -> None:
    file = nodeid.split("::", 1)[0]
    message = "" if outcome == "passed" else short(longrepr)
    records.append(
        {"nodeid": nodeid, "file": file, "when": when, "outcome": outcome, "message": message}
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        record(report.nodeid, "collect", "failed", report.longrepr)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        record(report.nodeid, report.when, report.outcome, report.longrepr)


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("RELEASE_MATRIX_OUT")
    if out:
        Path(out).write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
