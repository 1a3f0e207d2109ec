"""What the guide offers depends on how it was installed: a checkout (the Makefile and
notebooks/ beside the package) or a wheel (the package alone). The wheel is played by a
copy of the package in a folder of its own, first on PYTHONPATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guide.checkout import checkout_root
from guide.tour.where_next import where_next

pytestmark = pytest.mark.live  # each test runs the guide as a process

REPO = Path(__file__).resolve().parents[2]
SHOW = """\
import guide
from guide.checkout import checkout_root
from guide.exercises.core import folder
from guide.tour.where_next import where_next
print(guide.__file__)
print(folder())
print(where_next(checkout_root()))
"""


def run_guide(cwd: Path, pythonpath: Path | None = None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GUIDE_EXERCISES_DIR", "PYTHONPATH"}}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


@pytest.fixture
def wheel(tmp_path) -> Path:
    """The package alone, as a wheel installs it."""
    site = tmp_path / "site-packages"
    shutil.copytree(REPO / "guide", site / "guide", ignore=shutil.ignore_patterns("__pycache__"))
    return site


def test_this_repository_is_a_checkout():
    assert checkout_root() == REPO
    assert (REPO / "Makefile").is_file() and (REPO / "notebooks").is_dir()


def test_a_checkout_is_offered_make_test_and_the_notebooks():
    lines = run_guide(REPO)
    assert lines[0] == str(REPO / "guide" / "__init__.py")
    assert "make test" in "\n".join(lines) and "make notebooks" in "\n".join(lines)
    assert (REPO / "notebooks").is_dir()


def test_a_wheel_is_offered_only_what_the_package_has(wheel, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    lines = run_guide(work, wheel)
    assert lines[0] == str(wheel / "guide" / "__init__.py")  # the copy, not the checkout
    text = "\n".join(lines[2:])
    assert "make " not in text and "notebooks" not in text
    assert "python -m guide exercise" in text and "python -m guide serve" in text
    assert checkout_root(wheel / "guide") is None


def test_the_where_next_commands_exist():
    """Each command offered is one the guide has (a `make` target, a `python -m guide` one)."""
    from guide.cli import COMMANDS

    makefile = (REPO / "Makefile").read_text()
    for line in where_next(REPO).splitlines():
        command = line.split("  ")[1].strip() if line.strip() else ""
        words = command.split()
        if words[:1] == ["make"]:
            assert f"\n{words[1]}:" in makefile, command
        elif words[:3] == ["python", "-m", "guide"] and len(words) > 3:
            assert words[3] in COMMANDS, command


def test_the_exercises_folder_is_the_checkouts_from_its_notebooks_too():
    """The terminal (at the root) and a notebook's kernel (in notebooks/) share one folder."""
    assert run_guide(REPO)[1] == run_guide(REPO / "notebooks")[1] == str(REPO / "exercises")


def test_a_wheel_keeps_the_exercises_under_the_current_folder(wheel, tmp_path):
    notebooks = tmp_path / "work" / "notebooks"
    notebooks.mkdir(parents=True)
    assert run_guide(notebooks, wheel)[1] == str(notebooks / "exercises")
