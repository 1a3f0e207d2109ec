"""The release table (tests/claims/releases.json) and the runner that writes it.

The table must have a column for the installed FastAPI, measured with the installed
Starlette and uvicorn, with a row for every claim that has a test module; each claims test
then checks its own cell (tests/claims/conftest.py). The runner's recording plugin and its
aggregation are tested on a small suite of made-up claims run here by pytest, not on a
release.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.claims.conftest import disagreement
from tests.release_matrix import run

pytestmark = pytest.mark.live  # the fixture runs a pytest process

TABLE = json.loads(run.TABLE.read_text(encoding="utf-8")) if run.TABLE.exists() else None


def installed_column() -> dict:
    assert TABLE is not None, "no tests/claims/releases.json: run make matrix"
    version = importlib.metadata.version("fastapi")
    column = next((c for c in TABLE["releases"] if c["fastapi"] == version), None)
    assert column, f"the release table has no column for fastapi {version}: run make matrix"
    return column


def test_the_installed_release_is_the_runners_newest():
    assert run.INSTALLED.fastapi == importlib.metadata.version("fastapi")


@pytest.mark.parametrize("package", ["starlette", "uvicorn", "anyio", "httpx", "pydantic"])
def test_the_installed_column_was_measured_on_the_installed_stack(package):
    measured = installed_column()["versions"][package]
    assert measured == importlib.metadata.version(package), (
        f"the release table measured {package} {measured}: run make matrix"
    )


def test_every_claim_module_has_a_row_in_the_installed_column():
    column = installed_column()
    missing = sorted(set(run.claim_modules().values()) - set(column["claims"]))
    assert not missing, f"the release table lacks {', '.join(missing)}: run make matrix"


def test_every_release_of_the_runner_has_a_column():
    assert TABLE is not None
    assert [c["fastapi"] for c in TABLE["releases"]] == [r.fastapi for r in run.RELEASES]


def test_a_passing_claims_test_agrees_only_with_a_passing_cell():
    version = importlib.metadata.version("fastapi")
    passed = {"outcome": "passed", "message": ""}
    failed = {"outcome": "failed", "message": "AssertionError: task2 ran"}
    column = {"claims": {"c": {"status": "differs", "tests": {"test_a": passed, "test_b": failed}}}}
    assert disagreement("c", "test_a", column) is None
    assert disagreement("c", "test_b", column) == (
        "the release table says failed: AssertionError: task2 ran"
    )
    assert disagreement("c", "test_new", column) == (
        "the release table says differs for c, without test_new"
    )
    assert disagreement("d", "test_a", column) == (
        f"the release table has no row for d at fastapi {version}"
    )
    assert disagreement("c", "test_a", None) == (
        f"the release table has no column for fastapi {version}"
    )


SUITE = {
    "test_claim_holds.py": """
        CLAIM = "holds"

        def test_one():
            assert CLAIM == "holds"

        def test_two():
            pass
    """,
    "test_claim_missing.py": """
        from json import no_such_name

        CLAIM = "missing"

        def test_it():
            pass
    """,
    "test_claim_differs.py": """
        CLAIM = "differs"

        def test_fine():
            pass

        def test_wrong():
            seen = [1, 2]
            assert seen == [1, 2, 3], "the third task never ran"
    """,
    "test_claim_setup.py": """
        import pytest

        CLAIM = "setup"

        @pytest.fixture
        def feature():
            raise AttributeError("module 'fastapi' has no attribute 'telemetry'")

        def test_with_the_feature(feature):
            pass

        def test_without():
            pass
    """,
    "test_claim_server.py": """
        import pytest

        CLAIM = "server"

        @pytest.fixture
        def server():
            output = (
                "Traceback (most recent call last):\\n"
                '  File "streaming.py", line 3, in <module>\\n'
                "ModuleNotFoundError: No module named 'fastapi.sse'"
            )
            raise RuntimeError(f"guide.examples.streaming:app did not start:\\n{output}")

        def test_it(server):
            pass
    """,
    "test_claim_demo.py": """
        import sqlmodel_not_installed

        CLAIM = "demo"
    """,
    "test_claim_broken.py": """
        CLAIM = "broken"
        raise RuntimeError("the example app would not start")
    """,
    "test_other.py": """
        def test_not_a_claim():
            assert False
    """,
}


@pytest.fixture(scope="module")
def aggregated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    suite = tmp_path_factory.mktemp("suite")
    for name, source in SUITE.items():
        (suite / name).write_text(textwrap.dedent(source))
    (suite / "pytest.ini").write_text("[pytest]\n")
    out = suite / "outcomes.json"
    env = {**os.environ, "PYTHONPATH": str(run.ROOT), "RELEASE_MATRIX_OUT": str(out)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "tests.release_matrix.record", "--continue-on-collection-errors"]
    subprocess.run(command, cwd=suite, env=env, capture_output=True, timeout=60)
    records = json.loads(out.read_text())
    return run.aggregate(records, run.claim_modules(suite, root=suite))


def test_all_tests_passing_is_holds(aggregated):
    assert aggregated["holds"]["status"] == "holds"
    assert set(aggregated["holds"]["tests"]) == {"test_one", "test_two"}


def test_an_import_error_at_collection_is_not_applicable(aggregated):
    cell = aggregated["missing"]
    assert cell["status"] == "n/a"
    assert cell["seen"].startswith("ImportError: cannot import name 'no_such_name'"), cell


def test_a_failed_assertion_differs_with_its_message(aggregated):
    cell = aggregated["differs"]
    assert cell["status"] == "differs"
    assert cell["seen"].startswith("test_wrong: AssertionError: the third task never ran"), cell
    assert cell["tests"]["test_fine"]["outcome"] == "passed"


def test_an_attribute_error_in_setup_is_not_applicable(aggregated):
    cell = aggregated["setup"]
    assert cell["status"] == "n/a"
    assert "has no attribute 'telemetry'" in cell["seen"], cell
    assert cell["tests"]["test_without"]["outcome"] == "passed"


def test_a_server_that_cannot_import_a_fastapi_module_is_not_applicable(aggregated):
    cell = aggregated["server"]
    assert cell["status"] == "n/a"
    assert cell["seen"] == (
        "test_it: RuntimeError: guide.examples.streaming:app did not start: "
        "ModuleNotFoundError: No module named 'fastapi.sse'"
    )


def test_a_missing_package_outside_the_web_stack_says_it_was_not_measured(aggregated):
    cell = aggregated["demo"]
    assert cell["status"] == "n/a"
    assert cell["seen"] == (
        f"ModuleNotFoundError: No module named 'sqlmodel_not_installed' ({run.ELSEWHERE})"
    )


def test_another_error_at_collection_differs(aggregated):
    cell = aggregated["broken"]
    assert (cell["status"], cell["seen"]) == (
        "differs",
        "RuntimeError: the example app would not start",
    )


def test_modules_without_a_claim_are_left_out(aggregated):
    assert set(aggregated) == {"holds", "missing", "differs", "setup", "server", "demo", "broken"}


def test_an_environment_is_reused_on_another_day_and_remade_for_another_release():
    first, second = run.RELEASES[0], run.RELEASES[1]
    today = run.stamp_of(run.install_spec(first, today="2026-12-01"))
    assert run.stamp_of(run.install_spec(first, today="2027-01-15")) == today
    assert run.stamp_of(run.install_spec(second, today="2026-12-01")) != today
    spec = run.install_spec(first)
    assert f"fastapi=={first.fastapi}" in spec
    assert spec[spec.index("--exclude-newer") + 1] == run.exclude_newer(first) > first.uploaded


def test_every_environment_has_the_plugins_the_pytest_config_needs():
    """pyproject's `timeout` and `asyncio_mode` are unknown options without their plugins, and
    the suite's warnings are errors: without them no claims test runs there at all."""
    names = {pin.split("==")[0].lower() for pin in run.install_spec(run.RELEASES[0])}
    assert {"pytest", "pytest-asyncio", "pytest-timeout"} <= names


def test_the_installed_releases_environment_is_remade_when_the_lock_changes(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("fastapi==1.0\n")
    before = run.stamp_of(["-r", str(lock)])
    lock.write_text("fastapi==1.0\npytest-timeout==2.4.0\n")
    assert run.stamp_of(["-r", str(lock)]) != before
