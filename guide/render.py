"""The guide's Markdown, as mkdocs-material renders it, turned into rich renderables.

Snippets are resolved first (guide.snippets), HTML comments dropped (guide.markdown), then
the text is cut into blocks at column 0: a code fence (found by guide.markdown) becomes
Syntax (`title="..."` shown above it, `hl_lines` highlighted), a mermaid fence a panel with
the diagram's source, `!!!`/`???` admonitions a Panel, a run of `=== "Tab"` blocks one
labelled block per tab. Bodies of admonitions and tabs are parsed the same way, so they
nest. Everything else goes to rich's own Markdown (headings, paragraphs, lists, tables,
quotes).
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

from guide import markdown as md
from guide.sections import Section
from guide.snippets import expand

DIAGRAM_TITLE = "diagram (see the docs site for the picture)"
CODE_THEME = "monokai"

ADMONITION = re.compile(
    r'^(?P<marker>!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)(?:\s+[\w-]+)*(?:\s+"(?P<title>[^"]*)")?\s*$'
)
TAB = re.compile(r'^===(?P<flags>[!+]*)\s+"(?P<title>[^"]*)"\s*$')

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
    return _spaced(blocks(md.without_comments(expand(markdown, base)), plain=plain))


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
        if (fence := md.fence_at(lines, index)) and not fence.indent:
            flush()
            out.append(_code(fence))
            index = fence.end
        elif admonition := ADMONITION.match(line):
            body, index = _indented(lines, index + 1)
            flush()
            out.append(_admonition(admonition, _spaced(blocks(body, plain=plain))))
        elif TAB.match(line):
            tabs: list[tuple[str, Group]] = []
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


def _indented(lines: list[str], start: int) -> tuple[str, int]:
    """The 4-space indented body that starts at `start`, dedented, and the index after it."""
    end = index = start
    while index < len(lines) and (not lines[index].strip() or lines[index][:1] in " \t"):
        if lines[index].strip():
            end = index + 1
        index += 1
    body = [line[4:] if line.startswith("    ") else line.lstrip() for line in lines[start:end]]
    return "\n".join(body), end


def _code(fence: md.Fence) -> RenderableType:
    code, language = "\n".join(fence.body), fence.language or "text"
    if language == "mermaid":
        return Panel(Text(code), title=DIAGRAM_TITLE, title_align="left", border_style="dim")
    syntax = Syntax(
        code.rstrip(),
        language,
        theme=CODE_THEME,
        word_wrap=True,
        padding=(0, 1),
        highlight_lines=_line_numbers(fence.attributes.get("hl_lines", "")),
    )
    if title := fence.attributes.get("title"):
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
