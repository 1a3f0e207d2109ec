"""The guide's Markdown, read line by line: code fences, headings, parts, claim marks.

The one place that knows this syntax: the reader (guide.render, guide.sections), the docs
hook (docs/hooks/myths.py) and the content tests ask it; `part()` quotes one heading's
part for the notebooks. Standard library only, so the terminal reader stays fast.

- A code fence opens with three or more backticks or tildes (indented too, as in a tab or
  an admonition) and closes at a line of the same character, at least as long; unclosed,
  it runs to the end. A line inside a fence is code: never a heading, a mark or a comment.
- A heading is `#` to `######`, a space, then its text, at column 0.
- A claim mark, `<!-- claim: some-id -->`, says that the prose around it states what the
  claims test tests/claims/test_claim_some_id.py measures.

Line numbers count from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}(?=[^`]*$)|~{3,})[ \t]*(?P<info>.*?)\s*$")
HEADING = re.compile(r"^(?P<marks>#{1,6})[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*$")
CLAIM_MARK = re.compile(r"<!--\s*claim:\s*(?P<id>[a-z0-9-]+)\s*-->")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
WHOLE_LINE_COMMENT = re.compile(r"^[ \t]*<!--(?:(?!-->).)*-->[ \t]*\n", re.DOTALL | re.MULTILINE)
ATTRIBUTE = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')


@dataclass(frozen=True)
class Fence:
    """A fenced code block: where it opens, how (indentation, fence, info string), its code."""

    line: int
    indent: str
    marker: str
    info: str
    body: tuple[str, ...]
    closed: bool = True

    @property
    def end(self) -> int:
        """The number of its last line: the closing fence (the last body line if unclosed).

        As line numbers count from 1, it is also the list index of the line after it.
        """
        return self.line + len(self.body) + (1 if self.closed else 0)

    @property
    def language(self) -> str:
        """The first word of the info string (`python`, `{ .py }` → `py`), or ""."""
        words = self.info.strip("{} ").split()
        return words[0].lstrip(".") if words and "=" not in words[0] else ""

    @property
    def attributes(self) -> dict[str, str]:
        """The info string's `name="value"` pairs: `title="app.py" hl_lines="2 3"`."""
        return {match["name"]: match["value"] for match in ATTRIBUTE.finditer(self.info)}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class ClaimMark:
    """A `<!-- claim: id -->`, and the nearest heading above it (None before the first)."""

    id: str
    line: int
    heading: Heading | None


def fence_at(lines: list[str], index: int) -> Fence | None:
    """The fence that `lines[index]` opens, or None if that line opens none."""
    opening = FENCE.match(lines[index])
    if not opening:
        return None
    marker = opening["marker"]
    end = next((end for end in range(index + 1, len(lines)) if _closes(lines[end], marker)), None)
    body = tuple(lines[index + 1 : end])  # end None: to the last line
    return Fence(index + 1, opening["indent"], marker, opening["info"], body, end is not None)


def fences(text: str) -> list[Fence]:
    """Every code fence in `text`, indented ones included, in order."""
    lines, index = text.splitlines(), 0
    found: list[Fence] = []
    while index < len(lines):
        if fence := fence_at(lines, index):
            found.append(fence)
            index = fence.end
        else:
            index += 1
    return found


def outside_fences(text: str) -> list[str]:
    """The lines of `text`, each line of a fence (its fences too) made empty."""
    lines = text.splitlines()
    for fence in fences(text):
        lines[fence.line - 1 : fence.end] = [""] * (fence.end - fence.line + 1)
    return lines


def headings(text: str) -> list[Heading]:
    """Every heading of `text` outside code fences, in order."""
    lines = enumerate(outside_fences(text), 1)
    return [heading for number, line in lines if (heading := _heading(line, number))]


def title(text: str) -> str | None:
    """The text of the first `# ` heading, if there is one."""
    return next((heading.text for heading in headings(text) if heading.level == 1), None)


def part(text: str, heading: str) -> str:
    """The lines from the first heading whose text starts with `heading` (in any case) to
    the next heading of the same or a higher level (deeper ones are part of it).

    KeyError if no heading starts so.
    """
    lines, found = text.splitlines(), headings(text)
    for index, start in enumerate(found):
        if start.text.lower().startswith(heading.lower()):
            after = (later.line - 1 for later in found[index + 1 :] if later.level <= start.level)
            return "\n".join(lines[start.line - 1 : next(after, len(lines))])
    raise KeyError(f"no heading starts with {heading!r}")


def claim_marks(text: str) -> list[ClaimMark]:
    """Every claim mark outside code fences, with the heading it stands under."""
    found: list[ClaimMark] = []
    under: Heading | None = None
    for number, line in enumerate(outside_fences(text), 1):
        under = _heading(line, number) or under
        found += [ClaimMark(mark["id"], number, under) for mark in CLAIM_MARK.finditer(line)]
    return found


# A part a first read can skip: `??? deeper "In the demo app: ..."` and its indented body.
# The site folds it (a collapsed block), the terminal shows its title and the command
# that unfolds it (`python -m guide N --deep`).
DEEPER = re.compile(r"^\?\?\?\+?\s+deeper\b")
SNIPPET_LINE = re.compile(r"^\s*-{2}8<-{2}\s")
WORD = re.compile(r"[^\W_][\w'’.-]*")


def first_read(text: str) -> str:
    """`text` without its deeper parts (each `??? deeper` line and its indented body)."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        if DEEPER.match(lines[index]):
            index += 1
            while index < len(lines) and (not lines[index].strip() or lines[index][:1] in " \t"):
                index += 1
            continue
        out.append(lines[index])
        index += 1
    return "\n".join(out)


def words(text: str) -> int:
    """The words a reader reads in `text`: prose, headings, lists and tables, not code (fences,
    included snippets), comments or link targets."""
    prose = "\n".join(
        line for line in outside_fences(without_comments(text)) if not SNIPPET_LINE.match(line)
    )
    prose = re.sub(r"\]\([^)]*\)", "]", prose)  # [text](target): the text is read
    return len(WORD.findall(prose))


def without_comments(text: str) -> str:
    """`text` without its `<!-- ... -->` comments, except inside code fences, where they are
    code. A line that held only a comment goes with it."""
    lines = text.splitlines(keepends=True)
    code = {index for fence in fences(text) for index in range(fence.line - 1, fence.end)}
    out: list[str] = []
    prose: list[str] = []
    for index, line in enumerate(lines):
        if index in code:
            out += [_uncommented("".join(prose)), line]
            prose.clear()
        else:
            prose.append(line)
    return "".join([*out, _uncommented("".join(prose))])


def _heading(line: str, number: int) -> Heading | None:
    match = HEADING.match(line)
    return Heading(len(match["marks"]), match["text"], number) if match else None


def _closes(line: str, marker: str) -> bool:
    """Whether `line` closes a fence opened with `marker`: the same character, as many or more."""
    stripped = line.strip()
    return stripped.startswith(marker) and not stripped.strip(marker[0])


def _uncommented(prose: str) -> str:
    return COMMENT.sub("", WHOLE_LINE_COMMENT.sub("", prose))
