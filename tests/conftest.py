"""Suite-wide rules.

`require(ok, reason)`: skip a test whose tool is missing on a developer's machine, but fail
it under CI=true, where everything the suite needs must be installed by the project.

Tests that start real processes (uvicorn, redis-server, Celery, a notebook kernel, chromium)
are marked `live`. `make check` runs the others with GUIDE_CHECK=1, under which starting a
server from an unmarked test fails: the fast loop cannot quietly grow slow.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _servers_only_in_live_tests(request, monkeypatch):
    if not os.environ.get("GUIDE_CHECK") or request.node.get_closest_marker("live"):
        return
    from guide.live import LiveServer

    def refuse(self, *args, **kwargs):
        raise RuntimeError(f"{request.node.nodeid} starts {self.app}: mark it live")

    monkeypatch.setattr(LiveServer, "start", refuse)
