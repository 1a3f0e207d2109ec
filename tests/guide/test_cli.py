"""`python -m guide`, run as a reader runs it: in a subprocess, piped or on a terminal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guide import sections

pytestmark = pytest.mark.live  # each test runs `python -m guide` as a process

REPO = Path(__file__).resolve().parents[2]
ESCAPE = re.compile("\x1b")
WEB_STACK = {"fastapi", "uvicorn", "starlette", "sqlalchemy", "sqlmodel", "pydantic", "httpx"}
SLUGS = [
    "overview",
    "available-tasks",
    "how-they-work",
    "using-in-routes",
    "patterns",
    "error-handling",
    "monitoring",
    "best-practices",
    "limitations",
    "upgrade-path",
]


def test_list_shows_number_slug_and_title(guide, content):
    result = guide("list", content=content)
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout) == [
        ["1", "first-steps", "First steps"],
        ["2", "second-section", "The second section"],
    ]


def test_list_of_the_real_guide_has_the_ten_sections_in_order(guide):
    result = guide("list")
    assert result.returncode == 0, result.stderr
    assert [slug for _, slug, _ in _rows(result.stdout)] == SLUGS


def test_every_real_section_renders(guide):
    result = guide("--plain")
    assert result.returncode == 0, result.stderr
    for section in sections.load(sections.CONTENT_DIR):
        assert f"\n# {section.title}\n" in f"\n{result.stdout}"


@pytest.mark.parametrize("key", ["1", "01", "first-steps"])
def test_one_section_by_number_or_slug(guide, content, key):
    result = guide(key, content=content)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# First steps\n")
    assert "╭─ A failing task stops the rest ─" in result.stdout
    assert "Here the word needle sits" not in result.stdout  # the second section's text


def test_the_whole_guide_is_its_contents_then_every_section_in_order(guide, content):
    result = guide(content=content)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Contents\n")
    contents = out[: out.index("# First steps")]
    assert re.search(r"^\s*1\s+First steps\s+python -m guide 1$", contents, re.MULTILINE)
    assert re.search(r"^\s*2\s+The second section\s+python -m guide 2$", contents, re.MULTILINE)
    assert out.index("# First steps") < out.index("# The second section")


def test_each_section_ends_with_the_next_one_and_how_to_try_it(guide, content):
    first, second = guide("1", content=content).stdout, guide("2", content=content).stdout
    assert first.splitlines()[-2:] == [
        "Next: 2  The second section (python -m guide 2)",
        "Try it: python -m guide exercise 1",  # the fixture sections have no notebook
    ]
    assert second.splitlines()[-2] == (
        "Next: this is the last section; the contents: python -m guide list"
    )


def test_a_real_section_names_its_notebook(guide):
    out = guide("3").stdout
    assert out.splitlines()[-2:] == [
        "Next: 4  Using background tasks in routes (python -m guide 4)",
        "Try it: notebooks/03-how-they-work.ipynb, python -m guide exercise 3",
    ]
    assert (REPO / "notebooks" / "03-how-they-work.ipynb").is_file()


def test_an_unknown_section_exits_2_naming_the_valid_ones(guide, content):
    result = guide("nope", content=content)
    assert result.returncode == 2
    assert "no section 'nope'" in result.stderr
    assert "first-steps" in result.stderr and "second-section" in result.stderr
    assert result.stdout == ""


def test_search_shows_each_match_rendered_under_its_section_and_its_command(guide, content):
    result = guide("search", "NEEDLE", content=content)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2  The second section   python -m guide 2",
        "    A line before the match. Here the word needle sits in a line. A line after the match.",
        "",
        "1 match in prose, in 1 section.",
    ]


def test_search_counts_included_code_apart_and_shows_it_as_code(guide, content):
    result = guide("search", "outside_every_region", content=content)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2  The second section   python -m guide 2",
        "    code",
        "    def outside_every_region() -> str:",
        '        return "never included by a region"',
        "",
        "0 matches in prose, 1 match in code, in 1 section.",
    ]


def test_search_without_a_match_says_so(guide, content):
    result = guide("search", "zebra", content=content)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "No match for 'zebra' in the guide's 2 sections." in result.stderr


@pytest.mark.parametrize(
    "args",
    [["1"], ["search", "needle"], ["list"], []],
    ids=["section", "search", "list", "whole"],
)
def test_piped_output_has_no_escape_codes(guide, content, args):
    for extra, env in (([], {}), (["--plain"], {}), ([], {"NO_COLOR": "1"})):
        result = guide(*args, *extra, content=content, env=env)
        assert result.returncode == 0, result.stderr
        assert not ESCAPE.search(result.stdout)
        assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_a_terminal_gets_colours_unless_plain_or_no_color(guide_on_terminal, content):
    status, out = guide_on_terminal("1", content=content)
    assert status == 0 and ESCAPE.search(out)
    for args, env in ((["1", "--plain"], {}), (["1"], {"NO_COLOR": "1"})):
        status, out = guide_on_terminal(*args, content=content, env=env)
        assert status == 0 and "First steps" in out
        assert not ESCAPE.search(out)


def test_the_whole_guide_goes_through_the_pager_on_a_terminal(guide_on_terminal, content):
    status, out = guide_on_terminal(content=content, env={"PAGER": "cat", "MANPAGER": ""})
    assert status == 0
    assert "First steps" in out and "The second section" in out


def test_columns_sets_the_width(guide, content):
    result = guide("1", content=content, env={"COLUMNS": "60"})
    panel_top = next(line for line in result.stdout.splitlines() if line.startswith("╭"))
    assert len(panel_top) == 60


@pytest.mark.parametrize(
    "command", [[], ["list"], ["search"], ["tour"], ["serve"], ["worker"]], ids=str
)
def test_help_works_for_every_command(guide, command):
    result = guide(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m guide {' '.join(command)}".rstrip())


def test_top_level_help_names_the_commands(guide):
    out = guide("--help").stdout
    for command in ("list", "search WORD", "tour", "exercise [N]", "check N", "serve", "worker"):
        assert f"\n  {command} " in out


def test_a_broken_include_is_a_clear_error(guide, content):
    (content / "01-first-steps.md").write_text('# First steps\n\n--8<-- "missing/file.py"\n')
    result = guide("1", content=content)
    assert result.returncode == 1
    assert 'broken include in the guide: --8<-- "missing/file.py": no file' in result.stderr


@pytest.mark.parametrize(
    "args", [["list"], ["2", "--plain"], ["search", "task"], ["--plain"]], ids=" ".join
)
def test_reading_never_imports_the_web_stack(guide, content, args):
    result = guide(*args, content=content, python_options=("-X", "importtime"))
    assert result.returncode in (0, 1), result.stderr
    imported = {
        line.rpartition("|")[2].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "rich" in imported
    assert not imported & WEB_STACK


@pytest.mark.live  # builds and installs a wheel: slow
def test_a_wheel_installed_outside_the_repo_lists_the_ten_sections(tmp_path: Path):
    source = _mkdir(tmp_path / "source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("guide", "demo_app"):
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(REPO / package, source / package, ignore=ignore)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, wheel)

    elsewhere = _mkdir(tmp_path / "elsewhere")
    env = {"PYTHONPATH": str(site)}
    where = _run(
        sys.executable, "-c", "import guide; print(guide.__file__)", cwd=elsewhere, env=env
    )
    assert where.stdout.strip() == str(site / "guide" / "__init__.py")
    listed = _run(sys.executable, "-m", "guide", "list", cwd=elsewhere, env=env).stdout
    assert [slug for _, slug, _ in _rows(listed)] == SLUGS
    check = "from guide import snippets; print(snippets.check_all())"
    assert _run(sys.executable, "-c", check, cwd=elsewhere, env=env).stdout.strip() == "[]"


def _rows(listing: str) -> list[list[str]]:
    """The table rows of `python -m guide list`: [number, slug, title]."""
    return [line.split(None, 2) for line in listing.splitlines() if re.match(r"\s*\d+ ", line)]


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _run(*command, cwd: Path | None = None, env: dict[str, str] | None = None):
    environment = {**os.environ, **(env or {})}
    environment.pop("GUIDE_CONTENT_DIR", None)
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result
