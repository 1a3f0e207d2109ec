"""Helpers the whole suite shares (fixtures live in conftest.py).

`require(ok, reason)`: skip a test whose tool is missing on a developer's machine, but fail
it under CI=true, where everything the suite needs must be installed by the project.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


# Every demo-app, reliability and Celery test runs on both: SQLite, the embedded default (a
# file of its own per test), and PostgreSQL (a database of its own per test or module, on
# one embedded server per test process). `-k sqlite` or `-k postgres` picks one. The quick
# loop (`make check`, GUIDE_CHECK=1) starts no database server: SQLite only.
DATABASES = ("sqlite",) if os.environ.get("GUIDE_CHECK") else ("sqlite", "postgres")
_databases = itertools.count()


def new_postgres_database(server) -> str:
    return server.create_database(f"test_{os.getpid()}_{next(_databases)}")


def docs_hook(name: str) -> ModuleType:
    """The mkdocs hook docs/hooks/NAME.py, loaded as mkdocs loads it (by its path)."""
    spec = importlib.util.spec_from_file_location(f"{name}_hook", REPO / f"docs/hooks/{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
