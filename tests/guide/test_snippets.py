"""`--8<--` includes resolve as pymdownx.snippets resolves them, or fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from guide import sections, snippets
from guide.snippets import SnippetError, check_all, expand, includes

REPO = Path(__file__).resolve().parents[2]
SAMPLE = "tests/guide/fixtures/sample_tasks.py"
SAMPLE_LINES = (REPO / SAMPLE).read_text().splitlines()


def test_a_whole_file_in_a_code_fence_shows_its_lines_without_markers(rendered):
    out = expand(f'```python\n--8<-- "{SAMPLE}"\n```', REPO).splitlines()
    assert out[0] == "```python" and out[-1] == "```"
    assert out[1:-1] == [line for line in SAMPLE_LINES if "--8<--" not in line]
    shown = rendered(f'```python\n--8<-- "{SAMPLE}"\n```')
    assert 'return "never included by a region"' in shown


def test_a_region_shows_only_its_lines(rendered):
    out = expand(f'--8<-- "{SAMPLE}:send"', REPO)
    assert out.splitlines() == [
        "def send_welcome_email(email: str) -> None:",
        '    logger.info("welcome mail to %s", email)',
    ]
    shown = rendered(f'```python\n--8<-- "{SAMPLE}:send"\n```')
    assert "def send_welcome_email" in shown
    assert "--8<--" not in shown and "outside_every_region" not in shown


def test_an_indented_region_is_dedented():
    out = expand(f'--8<-- "{SAMPLE}:method"', REPO).splitlines()
    assert out[0] == "def record(self, action: str) -> str:"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            ":9:10",
            [
                "def send_welcome_email(email: str) -> None:",
                '    logger.info("welcome mail to %s", email)',
            ],
        ),
        (
            "::3",
            [
                '"""A small module for the snippet tests: two regions, and lines outside them."""',
                "",
                "import logging",
            ],
        ),
        (":3:3,5:5", ["import logging", "logger = logging.getLogger(__name__)"]),
        (":22", ["def record(self, action: str) -> str:", '    return f"audit: {action}"']),
    ],
)
def test_line_ranges_count_from_one_and_include_both_ends(spec, expected):
    assert expand(f'--8<-- "{SAMPLE}{spec}"', REPO).splitlines() == expected


def test_an_include_keeps_the_indentation_of_its_line():
    out = expand(f'!!! example\n    --8<-- "{SAMPLE}:send"', REPO).splitlines()
    assert out[1] == "    def send_welcome_email(email: str) -> None:"


def test_an_escaped_include_is_shown_as_written():
    assert expand(f';--8<-- "{SAMPLE}"', REPO) == f'--8<-- "{SAMPLE}"'


def test_marker_lines_in_the_page_itself_are_dropped():
    assert expand("before\n# --8<-- [start:x]\nafter", REPO) == "before\nafter"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests/guide/fixtures/no_such_file.py", "no file tests/guide/fixtures/no_such_file.py"),
        (f"{SAMPLE}:no_such_region", 'no "--8<-- [start:no_such_region]" marker'),
        (f"{SAMPLE}:40:50", "lines 40:50 not in a 25-line file"),
        ("../outside.py", "the path leaves"),
        ("  ", "names no file"),
    ],
)
def test_a_broken_include_raises_a_clear_error(spec, message):
    with pytest.raises(SnippetError, match="--8<--") as error:
        expand(f'```python\n--8<-- "{spec}"\n```', REPO)
    assert spec in str(error.value) and message in str(error.value)


def test_a_region_without_its_end_marker_is_an_error(tmp_path: Path):
    (tmp_path / "half.py").write_text("# --8<-- [start:open]\nx = 1\n")
    with pytest.raises(SnippetError, match=r'no "--8<-- \[end:open\]" marker'):
        expand('--8<-- "half.py:open"', tmp_path)


def test_a_file_that_includes_itself_is_an_error(tmp_path: Path):
    (tmp_path / "loop.md").write_text('--8<-- "loop.md"\n')
    with pytest.raises(SnippetError, match="includes itself"):
        expand('--8<-- "loop.md"', tmp_path)


def test_includes_lists_the_specs_of_a_page():
    page = f'--8<-- "{SAMPLE}"\n    --8<-- "{SAMPLE}:send"\n;--8<-- "escaped.py"\ntext'
    assert includes(page) == [SAMPLE, f"{SAMPLE}:send"]


def test_check_all_names_each_broken_include(content: Path):
    page = content / "01-first-steps.md"
    page.write_text(page.read_text() + '\n--8<-- "missing.py"\n\n--8<-- "' + SAMPLE + ':nope"\n')
    problems = check_all(sections.load(content), REPO)
    assert len(problems) == 2
    assert all(problem.startswith("01-first-steps.md: ") for problem in problems)
    assert "missing.py" in problems[0] and "nope" in problems[1]


def test_check_all_notices_an_include_a_formatter_mangled(content: Path):
    page = content / "02-second-section.md"
    page.write_text(page.read_text().replace('--8<-- "', '--8 < --"', 1))
    (problem,) = check_all(sections.load(content), REPO)
    assert problem == f'02-second-section.md: not an include: --8 < --"{SAMPLE}"'


def test_every_include_of_the_real_guide_resolves():
    assert sections.load(sections.CONTENT_DIR), "no sections in guide/content"
    assert check_all(sections.load(sections.CONTENT_DIR)) == []


def test_the_base_is_the_directory_holding_the_guide_package():
    assert snippets.BASE_DIR == Path(sections.__file__).resolve().parent.parent
