"""`make matrix`: the claims suite against FastAPI releases, each in a throwaway environment.

For each release below, a virtual environment under var/matrix/<version>/ (made once with
uv, then reused) gets `fastapi==<version>` and what the claims tests need. Starlette,
uvicorn, AnyIO, pydantic and httpx resolve as they did then (`--exclude-newer`, a day
after the FastAPI release was uploaded); the test tools (pytest, pytest-asyncio) and the
harness's mail sink (aiosmtpd) and OpenTelemetry's SDK keep the versions of
requirements.lock, so a difference in the table is the web stack's, not the test runner's.
The newest release gets the whole of requirements.lock (the demo app's dependencies too):
its column is the one `make test` re-measures. In the older environments, a claim that
needs the demo app (SQLModel, Celery...) is `n/a`, "not measured here".

tests/claims runs there with the repository root on PYTHONPATH (not installed), its
outcomes recorded by `record.py`; each claim (the `CLAIM` of a test module) is then

- `holds`: all its tests pass;
- `differs`: a test failed, with what it saw (the assertion's short message);
- `n/a`: the feature does not exist in that release (ImportError, AttributeError or
  TypeError while collecting the module or setting a test up, a server that would not
  start for one of those), with the error.

A claim that differs is run once more on its own before it is recorded as differing.

The table goes to tests/claims/releases.json (committed; docs/hooks/claims.py draws the
site's pages from it). `python tests/release_matrix/run.py 0.118.0` re-measures one column
and keeps the others.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLAIMS_DIR = ROOT / "tests" / "claims"
TABLE = CLAIMS_DIR / "releases.json"
WORK = ROOT / "var" / "matrix"
UV = ROOT / ".venv" / "bin" / "uv"
LOCK = ROOT / "requirements.lock"
PROCESSES = 2  # the machine has two cores; the live tests mostly wait on their servers


@dataclass(frozen=True)
class Release:
    fastapi: str
    uploaded: str  # when PyPI received it (its JSON API, upload_time_iso_8601)
    why: str  # what turns here


# The turning points for background tasks (FACTS.md: "Releases do move these rows").
RELEASES = [
    Release("0.104.1", "2023-10-30T10:07:35Z", "pydantic 2 era, Starlette 0.27"),
    Release("0.105.0", "2023-12-12T00:39:07Z", "the last with yield-dependency exit after tasks"),
    Release("0.106.0", "2023-12-25T18:07:19Z", "yield-dependency exit code runs before the tasks"),
    Release("0.115.0", "2024-09-17T19:18:10Z", "Starlette 0.38 (BaseHTTPMiddleware and tasks)"),
    Release("0.117.1", "2025-09-20T20:16:53Z", "the last before 0.118"),
    Release("0.118.0", "2025-09-29T03:37:21Z", "yield-dependency exit after the response again"),
    Release("0.121.0", "2025-11-03T10:25:53Z", 'Depends(..., scope="function")'),
    Release("0.121.1", "2025-11-08T21:48:12Z", 'a task added after a scope="function" yield runs'),
    Release("0.165.0", "2026-11-18T19:15:35Z", "the newest, installed by requirements.lock"),
]
INSTALLED = RELEASES[-1]

WEB = ["uvicorn", "httpx", "python-multipart"]  # as of the release (Starlette, AnyIO follow)
WEB += ["httptools", "uvloop"]  # uvicorn[standard]'s protocol: the server-side claims run on both
TOOLS = ["pytest", "pytest-asyncio", "pluggy", "iniconfig", "packaging", "pygments"]
TOOLS += ["typing-extensions"]  # pytest-asyncio 1.5 needs 4.12; pydantic takes any 4.x
TOOLS += ["pytest-timeout"]  # pyproject's `timeout`: a hang fails there too
HARNESS = ["aiosmtpd", "atpublic", "attrs"]  # guide.live imports demo_app.platform.mailbox
HARNESS += ["opentelemetry-api", "opentelemetry-sdk", "opentelemetry-semantic-conventions"]
SHOWN = ["fastapi", "starlette", "uvicorn", "anyio", "httpx", "pydantic", "pytest"]
NOT_THERE = ("ImportError", "ModuleNotFoundError", "AttributeError", "TypeError")
EXCEPTION = re.compile(r"\b([A-Za-z_][\w.]*(?:Error|Exception)): ")
STACK = ("fastapi", "starlette", "uvicorn", "anyio", "httpx", "pydantic")
MISSING = re.compile(r"ModuleNotFoundError: No module named '(?P<name>[\w.]+)'")
ELSEWHERE = (
    "not measured here: the older releases' environments have the web stack and the test"
    " tools, not the demo app's dependencies"
)


def locked(names: Iterable[str]) -> list[str]:
    """`name==version` for each name, as requirements.lock pins it."""
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not line.startswith((" ", "#")):
            pins[name.lower()] = f"{name}=={version.split()[0]}"
    return [pins[name] for name in names if name in pins]


def exclude_newer(release: Release) -> str:
    uploaded = datetime.fromisoformat(release.uploaded.replace("Z", "+00:00"))
    return (uploaded + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def install_spec(release: Release, today: str | None = None) -> list[str]:
    """The arguments to `uv pip install` for this release's environment."""
    if release == INSTALLED:  # all of it, the demo app's dependencies too, as `make test` has it
        return ["-r", str(LOCK)]
    now = today or datetime.now(UTC).strftime("%Y-%m-%d")
    spec = [f"fastapi=={release.fastapi}", *WEB, *locked(TOOLS + HARNESS)]
    spec += ["--exclude-newer", exclude_newer(release)]
    for name in TOOLS + HARNESS:  # the test tools as locked, whatever their upload date
        spec += ["--exclude-newer-package", f"{name}={now}"]
    return spec


def stamp_of(spec: list[str]) -> list[str]:
    """What an environment was made from, but for today's date (the test tools' cut-off);
    for a lock file, what it pins (its hash), not only its name."""
    stamp = [
        arg.split("=", 1)[0] if arg.startswith(tuple(TOOLS + HARNESS)) and "==" not in arg else arg
        for arg in spec
    ]
    if spec[:1] == ["-r"]:
        stamp.append(hashlib.sha256(Path(spec[1]).read_bytes()).hexdigest())
    return stamp


def environment(release: Release, log: list[str]) -> tuple[Path, float]:
    """The release's interpreter, made now or reused, and the seconds spent installing."""
    home = WORK / release.fastapi
    python, stamp = home / "venv" / "bin" / "python", home / "installed.json"
    spec = install_spec(release)
    wanted = stamp_of(spec)
    if python.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return python, 0.0
    began = time.monotonic()
    shutil.rmtree(home / "venv", ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    quiet = ["--quiet"]
    run([str(UV), "venv", *quiet, "--python", sys.executable, str(home / "venv")], log)
    run([str(UV), "pip", "install", *quiet, "--python", str(python), *spec], log)
    stamp.write_text(json.dumps(wanted) + "\n")
    return python, time.monotonic() - began


def run(command: list[str], log: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    log.append(done.stdout + done.stderr)


def versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, platform;"
        f"names = {SHOWN!r};"
        "found = {n: m.version(n) for n in names};"
        "print(json.dumps({**found, 'python': platform.python_version()}))"
    )
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run_tests(release: Release, python: Path, paths: list[str], name: str) -> list[dict]:
    """Run `paths` with the recording plugin in the release's environment: its records."""
    home = WORK / release.fastapi
    outcomes = home / f"{name}.json"
    outcomes.unlink(missing_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "GUIDE_CHECK", "PYTEST_ADDOPTS"}
    }
    env.update(PYTHONPATH=str(ROOT), RELEASE_MATRIX_OUT=str(outcomes), PYTHONDONTWRITEBYTECODE="1")
    pytest = [
        str(python),
        "-m",
        "pytest",
        *paths,
        "-vv",
        "-p",
        "no:cacheprovider",
    ]  # -vv: whole reprs
    pytest += ["--continue-on-collection-errors"]  # a module that cannot import is n/a
    pytest += ["-p", "tests.release_matrix.record"]
    done = subprocess.run(pytest, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    (home / f"{name}.log").write_text(done.stdout + done.stderr)
    if done.returncode not in (0, 1):  # 1: some tests failed (a claim that differs)
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise RuntimeError(f"fastapi {release.fastapi}: pytest exited {done.returncode}:\n{tail}")
    if not outcomes.exists():
        raise RuntimeError(f"fastapi {release.fastapi}: pytest wrote no outcomes:\n{done.stdout}")
    return json.loads(outcomes.read_text())


def measure(release: Release) -> dict[str, Any]:
    """One column: install (or reuse) the environment, run tests/claims, aggregate.

    A claim that differs is run once more on its own: the live tests share two busy cores,
    and a claim is recorded as differing only when it does so twice. One that passes the
    second time holds, and its cell keeps what the first run saw (`first_run`).
    """
    log: list[str] = []
    python, installing = environment(release, log)
    modules = claim_modules()
    began = time.monotonic()
    records = run_tests(release, python, ["tests/claims"], "pytest")
    cells = aggregate(records, modules)
    again = [
        file for file, claim in modules.items() if cells.get(claim, {}).get("status") == "differs"
    ]
    if again:
        retried = run_tests(release, python, again, "pytest-again")
        records = [r for r in records if r["file"] not in again] + retried
        first = cells
        cells = aggregate(records, modules)
        for claim, cell in cells.items():
            if first.get(claim, {}).get("status") == "differs" and cell["status"] != "differs":
                cell["first_run"] = first[claim]["seen"]
    return {
        "fastapi": release.fastapi,
        "uploaded": release.uploaded,
        "why": release.why,
        "resolved_as_of": "requirements.lock" if release == INSTALLED else exclude_newer(release),
        "versions": versions(python),
        "measured": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "install_seconds": round(installing, 1),
        "test_seconds": round(time.monotonic() - began, 1),
        "run_again": sorted(modules[file] for file in again),
        "claims": cells,
    }


def claim_modules(directory: Path = CLAIMS_DIR, root: Path = ROOT) -> dict[str, str]:
    """Each claims test module (path from `root`, as in pytest's node ids) and its `CLAIM`."""
    found = {}
    for path in sorted(directory.glob("test_claim_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                getattr(target, "id", None) == "CLAIM" for target in node.targets
            ):
                found[path.relative_to(root).as_posix()] = ast.literal_eval(node.value)
    return found


def exception_name(message: str) -> str:
    """The innermost exception a short message names (a server that did not start says why)."""
    names = EXCEPTION.findall(message)
    return names[-1].rsplit(".", 1)[-1] if names else ""


def not_there(message: str) -> str | None:
    """Why a test could not run in that release (`message` with a note), or None if it could."""
    if exception_name(message) not in NOT_THERE:
        return None
    missing = MISSING.search(message)
    if missing and missing["name"].split(".")[0] not in STACK:
        return f"{message} ({ELSEWHERE})"
    return message


def test_outcomes(records: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Per test (node id): passed, failed (its call), n/a (not there), error or skipped."""
    tests: dict[str, dict[str, str]] = {}
    for rec in records:
        if rec["when"] == "collect":
            continue
        current = tests.setdefault(rec["nodeid"], {"outcome": "passed", "message": ""})
        if rec["outcome"] == "passed" or current["outcome"] not in {"passed", "skipped"}:
            continue  # the first thing that went wrong is the one to show
        if rec["outcome"] == "skipped":
            current.update(outcome="skipped", message=rec["message"])
        elif rec["when"] == "call":
            current.update(outcome="failed", message=rec["message"])
        elif rec["when"] == "setup" and (why := not_there(rec["message"])):
            current.update(outcome="n/a", message=why)
        else:
            current.update(outcome="error", message=f"{rec['when']}: {rec['message']}")
    return tests


def aggregate(records: list[dict[str, str]], modules: dict[str, str]) -> dict[str, dict]:
    """The table's cells for one release: per claim id, its status, what was seen, its tests."""
    tests = test_outcomes(records)
    cells: dict[str, dict] = {}
    for file, claim in modules.items():
        collect = [r for r in records if r["when"] == "collect" and r["file"] == file]
        mine = {
            nodeid.split("::", 1)[1]: t
            for nodeid, t in tests.items()
            if nodeid.startswith(f"{file}::")
        }
        if collect:
            why = not_there(collect[0]["message"])
            status, seen = ("n/a", why) if why else ("differs", collect[0]["message"])
            cells[claim] = {"status": status, "seen": seen, "tests": {}}
            continue
        if not mine:
            continue  # not run (a module written after the run began): no cell, not a guess
        broken = [(name, t) for name, t in mine.items() if t["outcome"] in {"failed", "error"}]
        absent = [(name, t) for name, t in mine.items() if t["outcome"] in {"n/a", "skipped"}]
        if broken:
            status, (name, test) = "differs", broken[0]
        elif absent:
            status, (name, test) = "n/a", absent[0]
        else:
            status, name, test = "holds", "", {"message": ""}
        seen = f"{name}: {test['message']}" if name else test["message"]
        cells[claim] = {"status": status, "seen": seen, "tests": mine}
    return dict(sorted(cells.items()))


def cell(claim: dict | None) -> str:
    if claim is None:
        return "-"
    return {"holds": "holds", "differs": "DIFFERS", "n/a": "n/a"}[claim["status"]]


def show(table: dict[str, Any]) -> str:
    columns = table["releases"]
    claims = sorted({claim for column in columns for claim in column["claims"]})
    width = max(map(len, claims), default=10)
    lines = [" " * width + "".join(f"  {c['fastapi']:>8}" for c in columns)]
    for claim in claims:
        row = "".join(f"  {cell(c['claims'].get(claim)):>8}" for c in columns)
        lines.append(f"{claim:<{width}}{row}")
    lines.append("")
    for c in columns:
        v = c["versions"]
        lines.append(
            f"fastapi {c['fastapi']}: starlette {v['starlette']}, uvicorn {v['uvicorn']}, "
            f"anyio {v['anyio']}, python {v['python']} ({c['test_seconds']} s of tests)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="re-measure these FastAPI versions only")
    only = parser.parse_args(argv).only
    unknown = set(only) - {release.fastapi for release in RELEASES}
    if unknown:
        parser.error(f"not in RELEASES: {', '.join(sorted(unknown))}")
    chosen = [release for release in RELEASES if not only or release.fastapi in only]
    began = time.monotonic()
    with ThreadPoolExecutor(PROCESSES) as pool:
        measured = {column["fastapi"]: column for column in pool.map(measure, chosen)}
    took = time.monotonic() - began
    before = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    kept = {column["fastapi"]: column for column in before.get("releases", []) if only}
    columns = [measured.get(r.fastapi) or kept.get(r.fastapi) for r in RELEASES]
    runs = before.get("runs", {})
    if not only:  # how long the whole matrix takes, with new environments and with reused ones
        cold = any(column["install_seconds"] for column in measured.values())
        runs["cold" if cold else "warm"] = {
            "seconds": round(took),
            "install_seconds": round(sum(c["install_seconds"] for c in measured.values())),
            "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "processes": PROCESSES,
        }
    table = {
        "generated_by": "make matrix (tests/release_matrix/run.py)",
        "runs": runs,
        "releases": [column for column in columns if column],
    }
    TABLE.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(show(table))
    wrote = TABLE.relative_to(ROOT)
    print(f"\n{len(chosen)} releases in {took:.0f} s ({PROCESSES} at a time); wrote {wrote}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
