"""`pymdownx.snippets` includes, resolved as the docs site resolves them.

    --8<-- "guide/examples/app.py"          the whole file
    --8<-- "guide/examples/app.py:route"    the lines between `--8<-- [start:route]`
                                            and `--8<-- [end:route]` (markers not shown)
    --8<-- "guide/examples/app.py:3:10"     lines 3 to 10; `:3` or `::10` leave a side
                                            open, `,` joins ranges (`:1:2,5:6`)
    ;--8<-- "..."                           shown as written, without the `;`

Paths are relative to BASE_DIR, the directory holding the `guide` package: the repository
root in a checkout, site-packages once installed. An include keeps the indentation of its
line (so it works inside admonitions and tabs); regions and line ranges are dedented, as
with `dedent_subsections: true`. Anything missing raises SnippetError.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from guide.sections import Section, load

BASE_DIR = Path(__file__).resolve().parent.parent

SCISSORS = r"-+8<-+[ \t]+"
INCLUDE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<escape>;*)" + SCISSORS + r"(?P<quote>[\"'])(?P<spec>.+?)(?P=quote)\s*$"
)
BLOCK_FORM = re.compile(r"^[ \t]*-+8<-+\s*$")
MANGLED = re.compile(r"^[ \t]*;*-+[ \t]*8[ \t]*<[ \t]*-+")  # `--8 < --"x"`: ruff format did it
MARKER = re.compile(
    r"(?P<escape>;*)" + SCISSORS + r"\[\s*(?P<kind>start|end)\s*:\s*(?P<name>[a-z][-_0-9a-z]*)\s*]",
    re.IGNORECASE,
)
SPEC = re.compile(
    r"^(?P<path>.+?)"
    r"(?::(?P<region>[a-z][-_0-9a-z]*)|(?P<lines>(?::\d*){1,2}(?:,\d*(?::\d*)?)*))?$",
    re.IGNORECASE,
)


class SnippetError(Exception):
    pass


def expand(text: str, base: Path | None = None) -> str:
    """`text` with every include replaced by the lines it names."""
    return "\n".join(_expand(text.splitlines(), (base or BASE_DIR).resolve(), ()))


def includes(text: str) -> list[str]:
    """The specs (`path`, `path:region`, `path:3:10`) that `text` includes directly."""
    lines = (INCLUDE.match(line) for line in text.splitlines())
    return [match["spec"] for match in lines if match and not match["escape"]]


def check_all(sections: list[Section] | None = None, base: Path | None = None) -> list[str]:
    """One message per include of the guide that does not resolve; [] when all do."""
    problems = []
    for section in load() if sections is None else sections:
        for line in section.source().splitlines():
            if MANGLED.match(line) and not (INCLUDE.match(line) or BLOCK_FORM.match(line)):
                problems.append(f"{section.path.name}: not an include: {line.strip()}")
        for spec in includes(section.source()):
            try:
                expand(f'--8<-- "{spec}"', base)
            except SnippetError as error:
                problems.append(f"{section.path.name}: {error}")
    return problems


def _expand(lines: list[str], base: Path, seen: tuple[Path, ...]) -> list[str]:
    out = []
    for line in lines:
        include = INCLUDE.match(line)
        if include and include["escape"]:
            out.append(line.replace(";", "", 1))
        elif include:
            path, chosen = _select(include["spec"], base)
            if path in seen:
                raise SnippetError(f'--8<-- "{include["spec"]}": includes itself')
            out += [include["indent"] + text for text in _expand(chosen, base, (*seen, path))]
        elif BLOCK_FORM.match(line):
            raise SnippetError("the block form of --8<-- is not supported: one include a line")
        elif marker := MARKER.search(line):
            if marker["escape"]:
                out.append(line[: marker.start()] + line[marker.start() + 1 :])
        else:
            out.append(line)
    return out


def _select(spec: str, base: Path) -> tuple[Path, list[str]]:
    parts = SPEC.match(spec.strip())
    if parts is None:  # only blanks between the quotes
        raise SnippetError(f'--8<-- "{spec}": names no file')
    path = (base / parts["path"]).resolve()
    if not path.is_relative_to(base):
        raise SnippetError(f'--8<-- "{spec}": the path leaves {base}')
    if not path.is_file():
        raise SnippetError(f'--8<-- "{spec}": no file {parts["path"]} in {base}')
    lines = path.read_text(encoding="utf-8").splitlines()
    if parts["region"]:
        return path, _region(lines, parts["region"], spec)
    if parts["lines"]:
        return path, _line_ranges(lines, parts["lines"], spec)
    return path, lines


def _region(lines: list[str], name: str, spec: str) -> list[str]:
    start = end = None
    for number, line in enumerate(lines):
        marker = _is_marker(line)
        if marker and marker["name"] == name:
            if marker["kind"].lower() == "start" and start is None:
                start = number
            elif marker["kind"].lower() == "end" and start is not None:
                end = number
                break
    if start is None or end is None:
        missing = "[start:{0}]" if start is None else "[end:{0}]"
        raise SnippetError(f'--8<-- "{spec}": no "--8<-- {missing.format(name)}" marker')
    return _dedent([line for line in lines[start + 1 : end] if not _is_marker(line)])


def _line_ranges(lines: list[str], ranges: str, spec: str) -> list[str]:
    chosen = []
    for part in ranges[1:].split(","):
        first, _, last = part.partition(":")
        start, stop = int(first or 1), int(last or len(lines))
        if not 1 <= start <= stop <= len(lines):
            raise SnippetError(f'--8<-- "{spec}": lines {part} not in a {len(lines)}-line file')
        chosen += lines[start - 1 : stop]
    return _dedent(chosen)


def _dedent(lines: list[str]) -> list[str]:
    return textwrap.dedent("\n".join(lines)).splitlines()


def _is_marker(line: str) -> re.Match[str] | None:
    marker = MARKER.search(line)
    return marker if marker and not marker["escape"] else None
