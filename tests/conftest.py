"""Suite-wide rules.

`require(ok, reason)`: skip a test whose tool is missing on a developer's machine, but fail
it under CI=true, where everything the suite needs must be installed by the project.
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
