"""The release table must agree with this run on the installed FastAPI.

`make matrix` writes tests/claims/releases.json: every claims test's outcome on several
FastAPI releases, the installed one among them, and the docs site's release page is drawn
from it. Here, each claims test that passes under the installed FastAPI is failed unless
the table also records it as passing for that release: a table that says `differs` or
`n/a` where this run measures `holds` is stale. tests/release_matrix/test_table.py checks
that the table has the installed release's column, with every claim in it.

Inside `make matrix` itself (RELEASE_MATRIX_OUT is set) this check is off: that run is the
one writing the table.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from guide.live import PROTOCOLS

TABLE = Path(__file__).with_name("releases.json")


@functools.cache
def installed_column() -> dict[str, Any] | None:
    version = importlib.metadata.version("fastapi")
    if not TABLE.exists():
        return None
    releases = json.loads(TABLE.read_text(encoding="utf-8"))["releases"]
    return next((column for column in releases if column["fastapi"] == version), None)


def disagreement(claim: str, test: str, column: dict[str, Any] | None) -> str | None:
    """Why the table's `column` disagrees with `test` of `claim` passing here, or None."""
    version = importlib.metadata.version("fastapi")
    if column is None:
        return f"the release table has no column for fastapi {version}"
    cell = column["claims"].get(claim)
    if cell is None:
        return f"the release table has no row for {claim} at fastapi {version}"
    seen = cell["tests"].get(test)
    if seen is None:
        return f"the release table says {cell['status']} for {claim}, without {test}"
    if seen["outcome"] != "passed":
        return f"the release table says {seen['outcome']}: {seen['message']}"
    return None


@pytest.fixture(scope="module", params=list(PROTOCOLS))
def protocol(request: pytest.FixtureRequest) -> list[str]:
    """uvicorn's `--http`/`--loop` arguments, once for h11 on asyncio and once for httptools
    on uvloop (what `fastapi[standard]` deploys): for the claims whose behaviour lives in
    the server (connections, shutdown and signals, streaming, timing)."""
    return list(PROTOCOLS[request.param])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    claim = getattr(getattr(item, "module", None), "CLAIM", None)
    if report.when != "call" or not report.passed or claim is None:
        return report
    if os.environ.get("RELEASE_MATRIX_OUT"):
        return report
    why = disagreement(claim, item.nodeid.split("::", 1)[1], installed_column())
    if why:
        report.outcome = "failed"
        report.longrepr = f"{why}: run make matrix"
    return report


@pytest.fixture
async def client():
    """The thread-limiter example app (its limit: one token), in process: for the claims
    on AnyIO's tokens. A claims module with an app of its own defines its own `client`."""
    from guide.examples import thread_limiter_shared as example

    async with example.app.router.lifespan_context(example.app):
        transport = httpx.ASGITransport(app=example.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
