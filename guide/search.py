"""`python -m guide search WORD`: where the guide mentions WORD, rendered, by section and heading.

A hit is a line that holds the phrase (any case). A hit in prose is shown as the block it
belongs to, rendered as the reader renders it: its paragraph, its list item, or its table
row under the table's header (so a row stays a row). A hit inside a code fence (included
code too) is counted apart and shown as code: the line and its neighbours. Hits are grouped
under their section, with the command that opens it, and under their nearest heading.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from guide import markdown as md

LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d+[.)])\s")
TABLE_ROW = re.compile(r"^\s*\|")
ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?|===[!+]*)\s.*?(?:"(?P<title>[^"]*)")?\s*$')


@dataclass(frozen=True)
class Block:
    """One excerpt: Markdown to render (`code` False) or code lines (`code` True)."""

    text: str
    code: bool = False
    language: str = ""
    title: str = ""
    hits: int = 1  # how many hit lines it holds


@dataclass
class Part:
    """The hits under one heading of a section (`heading` None: before the first)."""

    heading: md.Heading | None
    blocks: list[Block] = field(default_factory=list)


def find(text: str, pattern: re.Pattern[str]) -> list[Part]:
    """The hits in `text` (Markdown, snippets resolved, comments removed), by heading.

    Each hit line counts once: hits in one paragraph or list item share its block, code
    hits whose neighbours touch share one excerpt, and rows of one table one table.
    """
    lines = text.splitlines()
    fence_of: dict[int, md.Fence] = {}
    for each in md.fences(text):
        for index in range(each.line - 1, each.end):
            fence_of[index] = each
    headings = md.headings(text)
    parts: list[tuple[md.Heading | None, list[_Span]]] = []
    for index, line in enumerate(lines):
        if not pattern.search(line):
            continue
        heading = next((h for h in reversed(headings) if h.line <= index + 1), None)
        if not parts or parts[-1][0] != heading:
            parts.append((heading, []))
        spans = parts[-1][1]
        previous = spans[-1] if spans else None
        fence = fence_of.get(index)
        if fence is not None:
            first, last = _code_span(fence, index)
            if previous and previous.fence is fence and first <= previous.last + 1:
                previous.last, previous.hits = max(previous.last, last), previous.hits + 1
                continue
            spans.append(_Span(first, last, fence=fence))
        elif TABLE_ROW.match(line):
            start = index
            while start > 0 and TABLE_ROW.match(lines[start - 1]) and start - 1 not in fence_of:
                start -= 1
            if previous and previous.table and previous.first == start:
                previous.rows.append(index)
                previous.hits += 1
                continue
            spans.append(_Span(start, index, table=True, rows=[index]))
        else:
            if heading is not None and heading.line == index + 1:
                first, last = index, index
            else:
                first, last = _prose_span(lines, fence_of, index)
            if previous and (previous.first, previous.last) == (first, last):
                previous.hits += 1
                continue
            spans.append(_Span(first, last))
    return [Part(heading, [span.block(lines) for span in spans]) for heading, spans in parts]


@dataclass
class _Span:
    """Lines to show, while hits are still being gathered into them (list indexes)."""

    first: int
    last: int
    fence: md.Fence | None = None
    table: bool = False
    rows: list[int] = field(default_factory=list)  # a table's rows that hold a hit
    hits: int = 1

    def block(self, lines: list[str]) -> Block:
        if self.fence is not None:
            indent = len(self.fence.indent)
            code = [line[indent:] for line in lines[self.first : self.last + 1]]
            body = "\n".join(code).strip("\n")
            title = self.fence.attributes.get("title", "")
            return Block(body, True, self.fence.language, title, self.hits)
        if self.table:
            header = lines[self.first : self.first + 2]
            rows = [lines[row] for row in self.rows if row >= self.first + 2]
            return Block(textwrap.dedent("\n".join([*header, *rows])), hits=self.hits)
        return Block(_markdown(lines[self.first : self.last + 1]), hits=self.hits)


def counts(parts: list[Part]) -> tuple[int, int]:
    """How many hit lines are in prose, and how many in code."""
    prose = sum(block.hits for part in parts for block in part.blocks if not block.code)
    code = sum(block.hits for part in parts for block in part.blocks if block.code)
    return prose, code


def _code_span(fence: md.Fence, index: int) -> tuple[int, int]:
    """The hit line and one line either side, inside the fence's body (list indexes); a hit
    on the fence's own line (its title) shows the body's first lines."""
    first_body, last_body = fence.line, fence.line + len(fence.body) - 1
    if not fence.body:
        return index, index
    index = min(max(index, first_body), last_body)
    return max(first_body, index - 1), min(last_body, index + 1)


def _prose_span(lines: list[str], fence_of: dict[int, md.Fence], index: int) -> tuple[int, int]:
    """The lines of the paragraph, list item or table row that holds line `index`."""

    def inside(number: int) -> bool:
        return (
            0 <= number < len(lines)
            and bool(lines[number].strip())
            and number not in fence_of
            and not md.HEADING.match(lines[number])
        )

    first = last = index
    while inside(first - 1):
        first -= 1
    while inside(last + 1):
        last += 1
    item = next((n for n in range(index, first - 1, -1) if LIST_ITEM.match(lines[n])), None)
    if item is not None:
        depth = len(LIST_ITEM.match(lines[item])["indent"])  # type: ignore[index]
        end = item
        while end + 1 <= last and not _item_at_most(lines[end + 1], depth):
            end += 1
        return item, end
    return first, last


def _item_at_most(line: str, depth: int) -> bool:
    match = LIST_ITEM.match(line)
    return match is not None and len(match["indent"]) <= depth


def _markdown(body: list[str]) -> str:
    """A paragraph or list item, dedented; an admonition's opening line becomes its title."""
    titles = []
    while body and (opening := ADMONITION.match(body[0])):  # `!!! warning "Title"` opens it
        if opening["title"]:
            titles.append(f"**{opening['title']}**")
        body = body[1:]
    return "\n\n".join([*titles, textwrap.dedent("\n".join(body)).strip("\n")]).strip("\n")
