"""The guide's ten sections: their claims match the claims tests, their shape holds, and
their Python comes from files (included with `--8<--`), not pasted into the Markdown.

Snippet includes are checked by test_snippets.py (`check_all()` of the real guide).
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from guide import markdown, sections
from guide.snippets import INCLUDE

REPO = Path(__file__).resolve().parents[2]
CLAIMS_DIR = REPO / "tests" / "claims"
SECTIONS = sections.load(sections.CONTENT_DIR)

ANY_CLAIM_COMMENT = re.compile(r"<!--\s*claims?\b", re.IGNORECASE)  # well formed or not
PYTHON = {"python", "py", "python3", "pycon"}
MAX_PASTED_LINES = 3


def claim_ids_in_content() -> dict[str, list[str]]:
    """{claim id: [section files that mark it]}."""
    found: dict[str, list[str]] = {}
    for section in SECTIONS:
        for mark in markdown.claim_marks(section.source()):
            found.setdefault(mark.id, []).append(section.path.name)
    return found


def claim_of(module: Path) -> str | None:
    """The module's `CLAIM = "..."` constant, read without importing the module."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["CLAIM"]
            and isinstance(node.value, ast.Constant)
        ):
            return node.value.value
    return None


CLAIM_MODULES = {path: claim_of(path) for path in sorted(CLAIMS_DIR.glob("test_claim_*.py"))}


def test_there_are_ten_sections():
    assert [section.number for section in SECTIONS] == list(range(1, 11))


def test_every_claim_marked_in_the_content_has_its_test_module():
    for claim, where in claim_ids_in_content().items():
        module = CLAIMS_DIR / f"test_claim_{claim.replace('-', '_')}.py"
        assert module.is_file(), f"{where} mark claim {claim!r}, but there is no {module.name}"
        found = CLAIM_MODULES[module]
        assert found == claim, f"{module.name} has CLAIM = {found!r}, not {claim!r}"


@pytest.mark.parametrize("module", CLAIM_MODULES, ids=lambda path: path.stem)
def test_every_claim_test_is_marked_in_the_content(module: Path):
    claim = CLAIM_MODULES[module]
    assert claim, f"{module.name} has no CLAIM constant"
    assert module.stem == f"test_claim_{claim.replace('-', '_')}"
    assert claim in claim_ids_in_content(), f"no section marks <!-- claim: {claim} -->"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_claim_marks_are_well_formed_and_outside_code(section: sections.Section):
    text = section.source()
    marks = markdown.claim_marks(text)
    assert len(marks) == len(markdown.CLAIM_MARK.findall(text)), "a mark inside code"
    malformed = [
        line.strip()
        for line in markdown.outside_fences(text)
        if len(ANY_CLAIM_COMMENT.findall(line)) != len(markdown.CLAIM_MARK.findall(line))
    ]
    assert not malformed, f"write <!-- claim: some-id -->, not: {malformed}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_section_opens_with_its_title_and_ends_with_what_to_remember(section: sections.Section):
    text = section.source()
    headings = markdown.headings(text)
    first_line = next(number for number, line in enumerate(text.splitlines(), 1) if line.strip())
    assert (headings[0].level, headings[0].line) == (1, first_line), "open with the `# ` title"
    assert headings[0].text == section.title
    assert [heading.level for heading in headings].count(1) == 1, "one H1 per section"
    h2 = [heading.text for heading in headings if heading.level == 2]
    assert h2 and h2[-1] == "What to remember", f"last heading: {h2[-1:]}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_python_fences_include_files_instead_of_pasting_code(section: sections.Section):
    for fence in markdown.fences(section.source()):
        if fence.language.lower() not in PYTHON:
            continue
        code = [text for text in fence.body if text.strip()]
        includes = [text for text in code if INCLUDE.match(text)]
        if includes:
            assert includes == code, f"line {fence.line}: an include with pasted code around it"
        else:
            assert len(code) <= MAX_PASTED_LINES, (
                f"line {fence.line}: {len(code)} lines of pasted Python; put the code in a file "
                "(guide/examples/ or a demo_app region) and include it with --8<--"
            )


# The first read: every section outside its deeper parts (`??? deeper "..."`, folded on
# the site and in the terminal). What a reader who skips the folds reads, in words of prose
# (code and included files are not counted).
FIRST_READ_WORDS = 6000
FIRST_SCREEN_LINES = 30  # a section's minimal code starts within this many lines of the title
FOLD_TITLE = re.compile(r'^\?\?\?\+?\s+deeper\s+"(In the demo app|Deeper): \S')
EXAMPLE_INCLUDE = re.compile(r'--8<--\s+"guide/(examples|recipes|queues)/[\w/]+\.py')


def test_the_first_read_of_all_ten_sections_is_at_most_6000_words():
    counts = {s.number: markdown.words(markdown.first_read(s.source())) for s in SECTIONS}
    total = sum(counts.values())
    print(f"first-read words per section {counts}, {total} in all")
    assert total <= FIRST_READ_WORDS, counts


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_a_section_opens_with_minimal_code_from_a_file_the_suite_runs(section: sections.Section):
    lines = section.source().splitlines()
    title = next(n for n, line in enumerate(lines) if line.startswith("# "))
    first_screen = lines[title : title + FIRST_SCREEN_LINES]
    assert any(EXAMPLE_INCLUDE.search(line) for line in first_screen), (
        f"no guide/examples (or recipes, queues) include in the first {FIRST_SCREEN_LINES} lines"
    )
    code_at = next(n for n, line in enumerate(first_screen) if EXAMPLE_INCLUDE.search(line))
    before = first_screen[:code_at]
    assert not any(markdown.DEEPER.match(line) for line in before), "a fold before the code"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_deeper_parts_are_titled_for_what_they_hold_and_hold_no_heading(section: sections.Section):
    text = section.source()
    lines = text.splitlines()
    code = {n for fence in markdown.fences(text) for n in range(fence.line - 1, fence.end)}
    index = 0
    while index < len(lines):
        if not markdown.DEEPER.match(lines[index]):
            index += 1
            continue
        assert FOLD_TITLE.match(lines[index]), (
            f'line {index + 1}: title a deeper part "In the demo app: ..." or "Deeper: ..."'
        )
        index += 1
        while index < len(lines) and (not lines[index].strip() or lines[index][:1] in " \t"):
            # Headings stay at column 0: the table of contents, the anchors other pages
            # link to and the notebooks' quotes find them; a fold never swallows one.
            heading = re.match(r"\s+#{1,6}\s", lines[index]) and index not in code
            assert not heading, f"line {index + 1}: a heading inside a deeper part"
            index += 1


def test_the_dashboard_is_within_reach_from_every_way_in():
    """The README, the docs home, section 7's first read and the tour's last words."""
    from guide.tour import where_next

    assert "/dashboard" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "(dashboard.md)" in (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    monitoring = next(s for s in SECTIONS if s.number == 7)
    assert "(../dashboard.md)" in markdown.first_read(monitoring.source())
    assert "/dashboard" in inspect.getsource(where_next)
