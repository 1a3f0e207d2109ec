"""The guide's ten sections: their claims match the claims tests, their shape holds, and
their Python comes from files (included with `--8<--`), not pasted into the Markdown.

Snippet includes are checked by test_snippets.py (`check_all()` of the real guide).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from guide import sections

REPO = Path(__file__).resolve().parents[2]
CLAIMS_DIR = REPO / "tests" / "claims"
SECTIONS = sections.load(sections.CONTENT_DIR)

CLAIM_MARK = re.compile(r"<!--\s*claim:\s*(?P<id>[a-z0-9-]+)\s*-->")
ANY_CLAIM_COMMENT = re.compile(r"<!--\s*claims?\b", re.IGNORECASE)
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
INCLUDE = re.compile(r"^\s*-+8<-+\s")
PYTHON = {"python", "py", "python3", "pycon"}
MAX_PASTED_LINES = 3


def fences(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, info string, body lines) of each code fence, indented ones included."""
    found, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        start, fence, body = index, opening["fence"], []
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index])
            index += 1
        index += 1  # past the closing fence
        found.append((start, opening["info"].strip(), body))
    return found


def outside_fences(text: str) -> str:
    lines = text.splitlines()
    for start, _, body in fences(text):
        lines[start - 1 : start + len(body)] = [""] * (len(body) + 1)
    return "\n".join(lines)


def claim_ids_in_content() -> dict[str, list[str]]:
    """{claim id: [section files that mark it]}."""
    found: dict[str, list[str]] = {}
    for section in SECTIONS:
        for match in CLAIM_MARK.finditer(section.source()):
            found.setdefault(match["id"], []).append(section.path.name)
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
    prose = outside_fences(text)
    assert len(CLAIM_MARK.findall(prose)) == len(CLAIM_MARK.findall(text)), "a mark inside code"
    malformed = [
        line.strip()
        for line in prose.splitlines()
        if len(ANY_CLAIM_COMMENT.findall(line)) != len(CLAIM_MARK.findall(line))
    ]
    assert not malformed, f"write <!-- claim: some-id -->, not: {malformed}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_section_opens_with_its_title_and_ends_with_what_to_remember(section: sections.Section):
    prose = outside_fences(section.source()).splitlines()
    first = next(line for line in prose if line.strip())
    assert first.startswith("# ") and first[2:].strip() == section.title
    assert sum(line.startswith("# ") for line in prose) == 1, "one H1 per section"
    h2 = [line[3:].strip() for line in prose if line.startswith("## ")]
    assert h2 and h2[-1] == "What to remember", f"last heading: {h2[-1:]}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.path.name)
def test_python_fences_include_files_instead_of_pasting_code(section: sections.Section):
    for line, info, body in fences(section.source()):
        words = info.strip("{} ").split()
        if not words or words[0].lstrip(".").lower() not in PYTHON:
            continue
        code = [text for text in body if text.strip()]
        includes = [text for text in code if INCLUDE.match(text)]
        if includes:
            assert includes == code, f"line {line}: an include with pasted code around it"
        else:
            assert len(code) <= MAX_PASTED_LINES, (
                f"line {line}: {len(code)} lines of pasted Python; put the code in a file "
                "(guide/examples/ or a demo_app region) and include it with --8<--"
            )


def test_the_fence_parser_sees_indented_fences_and_includes():
    text = '=== "Tab"\n\n    ```python\n    --8<-- "a.py"\n    ```\n\n```bash\nls\n```\n'
    assert fences(text) == [(3, "python", ['    --8<-- "a.py"']), (7, "bash", ["ls"])]
    assert INCLUDE.match('    --8<-- "a.py"')
