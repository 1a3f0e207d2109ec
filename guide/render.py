"""The guide's Markdown, as mkdocs-material renders it, turned into rich renderables.

Snippets are resolved first (guide.snippets), HTML comments dropped, then the text is cut
into blocks at column 0: a code fence becomes Syntax (`title="..."` shown above it,
`hl_lines` highlighted), a mermaid fence a panel with the diagram's source, `!!!`/`???`
admonitions a Panel, a run of `=== "Tab"` blocks one labelled block per tab. Bodies of
admonitions and tabs are parsed the same way, so they nest. Everything else goes to
rich's own Markdown (headings, paragraphs, lists, tables, quotes).
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Heading, Markdown
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from guide.sections import Section
from guide.snippets import expand

DIAGRAM_TITLE = "diagram (see the docs site for the picture)"
CODE_THEME = "monokai"

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
ADMONITION = re.compile(
    r'^(?P<marker>!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+[\w-]+)*(?:\s+"(?P<title>[^"]*)")?\s*$'
)
TAB = re.compile(r'^===(?P<flags>[!+]*)\s+"(?P<title>[^"]*)"\s*$')
ATTRIBUTE = re.compile(r'(?P<name>[\w-]+)="(?P<value>[^"]*)"')
WHOLE_LINE_COMMENT = re.compile(r"^[ \t]*<!--.*?-->[ \t]*\n", re.DOTALL | re.MULTILINE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCED_CODE = re.compile(r"(^[ \t]*(?:`{3,}|~{3,}).*?^[ \t]*(?:`{3,}|~{3,})[ \t]*$)", re.M | re.S)

BORDER = {
    "note": "blue",
    "abstract": "cyan",
    "info": "cyan",
    "tip": "green",
    "hint": "green",
    "important": "green",
    "success": "green",
    "question": "green",
    "warning": "yellow",
    "caution": "yellow",
    "attention": "yellow",
    "failure": "red",
    "danger": "red",
    "error": "red",
    "bug": "red",
    "example": "magenta",
    "quote": "white",
}


class PlainHeading(Heading):
    """Plain text has no bold: a heading keeps its Markdown marks (`## Title`)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text.assemble("#" * int(self.tag[1:]) + " ", self.text)


class PlainMarkdown(Markdown):
    elements = {**Markdown.elements, "heading_open": PlainHeading}


def render_section(section: Section, *, base: Path | None = None, plain: bool = False) -> Group:
    return render(section.source(), base=base, plain=plain)


def render(markdown: str, *, base: Path | None = None, plain: bool = False) -> Group:
    """`markdown` with its snippets resolved, as one renderable (`plain`: for no colours)."""
    return _spaced(blocks(without_comments(expand(markdown, base)), plain=plain))


def without_comments(text: str) -> str:
    """`text` without `<!-- ... -->`, except inside code fences, where they are code."""
    pieces = FENCED_CODE.split(text)
    for index in range(0, len(pieces), 2):
        pieces[index] = COMMENT.sub("", WHOLE_LINE_COMMENT.sub("", pieces[index]))
    return "".join(pieces)


def blocks(text: str, *, plain: bool = False) -> list[RenderableType]:
    """One renderable per block of `text`: fences, admonitions, tab groups, prose between."""
    lines = text.splitlines()
    out: list[RenderableType] = []
    prose: list[str] = []

    def flush() -> None:
        if any(line.strip() for line in prose):
            markdown = PlainMarkdown if plain else Markdown
            out.append(markdown("\n".join(prose), code_theme=CODE_THEME, hyperlinks=not plain))
        prose.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        if fence := FENCE.match(line):
            code, index = _fenced(lines, index + 1, fence["fence"])
            flush()
            out.append(_code(code, fence["info"]))
        elif admonition := ADMONITION.match(line):
            body, index = _indented(lines, index + 1)
            flush()
            out.append(_admonition(admonition, _spaced(blocks(body, plain=plain))))
        elif TAB.match(line):
            tabs = []
            while index < len(lines) and (tab := TAB.match(lines[index])):
                if tabs and "!" in tab["flags"]:
                    break
                body, index = _indented(lines, index + 1)
                tabs.append((tab["title"], _spaced(blocks(body, plain=plain))))
            flush()
            out.append(_tabbed(tabs))
        else:
            prose.append(line)
            index += 1
    flush()
    return out


def _fenced(lines: list[str], start: int, fence: str) -> tuple[str, int]:
    """The code after an opening fence, and the index after its closing fence."""
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
            return "\n".join(lines[start:index]), index + 1
    return "\n".join(lines[start:]), len(lines)


def _indented(lines: list[str], start: int) -> tuple[str, int]:
    """The 4-space indented body that starts at `start`, dedented, and the index after it."""
    end = index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][:1] in " \t"):
        if lines[index].strip():
            end = index + 1
        index += 1
    body = [line[4:] if line.startswith("    ") else line.lstrip() for line in lines[start:end]]
    return "\n".join(body), end


def _code(code: str, info: str) -> RenderableType:
    words = info.strip("{} ").split()
    language = words[0].lstrip(".") if words and "=" not in words[0] else "text"
    attributes = {match["name"]: match["value"] for match in ATTRIBUTE.finditer(info)}
    if language == "mermaid":
        return Panel(Text(code), title=DIAGRAM_TITLE, title_align="left", border_style="dim")
    syntax = Syntax(
        code.rstrip(),
        language,
        theme=CODE_THEME,
        word_wrap=True,
        padding=(0, 1),
        highlight_lines=_line_numbers(attributes.get("hl_lines", "")),
    )
    if title := attributes.get("title"):
        return Group(Text(title, style="bold"), syntax)
    return syntax


def _line_numbers(spec: str) -> set[int]:
    numbers: set[int] = set()
    for part in spec.split():
        first, _, last = part.partition("-")
        if first.isdigit() and (last or first).isdigit():
            numbers.update(range(int(first), int(last or first) + 1))
    return numbers


def _spaced(blocks: list[RenderableType]) -> Group:
    """The blocks with a blank line between each two, as Markdown has between paragraphs."""
    return Group(*[part for block in blocks for part in (Text(), block)][1:])


def _admonition(match: re.Match[str], body: Group) -> Panel:
    kind = match["kind"].lower()
    title = kind.capitalize() if match["title"] is None else match["title"]
    return Panel(
        body,
        title=Text(title, style="bold") if title else None,
        title_align="left",
        border_style=BORDER.get(kind, "blue"),
        padding=(0, 1),
    )


def _tabbed(tabs: list[tuple[str, Group]]) -> Group:
    """Tabs one after another, each under its label: a terminal cannot switch between them."""
    return _spaced(
        [
            Group(Text(f"▍{title}", style="bold cyan"), Padding(body, (0, 0, 0, 2)))
            for title, body in tabs
        ]
    )
