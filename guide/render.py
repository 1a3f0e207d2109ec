"""The guide's Markdown, as mkdocs-material renders it, turned into rich renderables.

Snippets are resolved first (guide.snippets), HTML comments dropped (guide.markdown), then
the text is cut into blocks at column 0: a code fence (found by guide.markdown) becomes
Syntax (`title="..."` shown above it, `hl_lines` highlighted), a mermaid sequence diagram
is drawn in text (guide.diagrams; another kind of diagram: a panel with its source),
`!!!`/`???` admonitions a Panel, a run of `=== "Tab"` blocks one labelled block per tab.
Bodies of admonitions and tabs are parsed the same way, so they nest. A deeper part
(`??? deeper "In the demo app: ..."`, folded on the site) shows as one line, its title and
the command that unfolds it, unless `deep` asks for it whole. Everything else goes
to rich's own Markdown (headings, paragraphs, lists, tables, quotes); its tables fold
their cells instead of cutting them.

A link to another section's file (`[section 3](03-how-they-work.md#part)`) or a bare
`03-how-they-work.md` becomes the command that opens it, `python -m guide 3`: the docs site
keeps its links, a terminal has no file to follow.

`search_results()` renders what guide.search found; `footer()` ends a section in the
terminal: the next section, the section's notebook (in a checkout) and its exercise.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Heading, Markdown, TableElement
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from guide import diagrams, search, sections
from guide import markdown as md
from guide.checkout import checkout_root
from guide.sections import Section
from guide.snippets import expand

DIAGRAM_TITLE = "diagram (see the docs site for the picture)"
CODE_THEME = "monokai"
PROG = "python -m guide"

SECTION_FILE = r"(?P<number>\d+)-[a-z0-9][a-z0-9-]*\.md(?:#[\w-]*)?"
SECTION_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\(" + SECTION_FILE + r"\)")
SECTION_NAME = re.compile(r"`?(?<![\w./-])" + SECTION_FILE + r"(?![\w/-])`?")

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


class WrappingTable(TableElement):
    """rich's Markdown table, its cells folded rather than cut: rich's columns end a line
    that fills the cell exactly with `…` (seen on section 10 at 100 columns)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table(
            box=box.SIMPLE,
            pad_edge=False,
            style="markdown.table.border",
            show_edge=True,
            collapse_padding=True,
        )
        if self.header is not None and self.header.row is not None:
            for column in self.header.row.cells:
                heading = column.content.copy()
                heading.stylize("markdown.table.header")
                table.add_column(heading, overflow="fold")
        if self.body is not None:
            for row in self.body.rows:
                table.add_row(*[cell.content for cell in row.cells])
        yield table


class GuideMarkdown(Markdown):
    elements = {**Markdown.elements, "table_open": WrappingTable}


class PlainMarkdown(GuideMarkdown):
    elements = {**GuideMarkdown.elements, "heading_open": PlainHeading}


class Diagram:
    """A mermaid sequence diagram drawn for the console's width (guide.diagrams)."""

    def __init__(self, source: str) -> None:
        self.source = source
        diagrams.parse(source)  # DiagramError now, so that the caller can show the source

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in diagrams.draw(self.source, options.max_width):
            yield Text(line, no_wrap=True, overflow="crop")


def render_section(
    section: Section,
    *,
    base: Path | None = None,
    plain: bool = False,
    prog: str = PROG,
    deep: bool = False,
) -> Group:
    """A section: its first read, each deeper part folded to a line (`deep`: all of it)."""
    unfold = f"{prog} {section.number} --deep"
    return render(section.source(), base=base, plain=plain, prog=prog, deep=deep, unfold=unfold)


def render(
    markdown: str,
    *,
    base: Path | None = None,
    plain: bool = False,
    prog: str = PROG,
    deep: bool = True,
    unfold: str = "--deep",
) -> Group:
    """`markdown` with its snippets resolved, as one renderable (`plain`: for no colours;
    `deep=False`: each deeper part folded to its title and `unfold`, the command that shows it)."""
    text = md.without_comments(expand(markdown, base))
    return _spaced(blocks(text, plain=plain, prog=prog, fold=None if deep else unfold))


# A link from a section to another page of the site: `[text](../recipes.md#name)`.
PAGE_LINK = re.compile(
    r"\[(?P<text>[^\]]+)\]\(\.\./(?P<page>[a-z-]+)\.md(?:#(?P<anchor>[\w-]+))?\)"
)


def _page_link(link: re.Match[str], prog: str) -> str:
    """A link to another page as a terminal reader can follow it: a recipe is a command, a
    claim names its id (its test is tests/claims/), another page its file under docs/."""
    text, page, anchor = link["text"], link["page"], link["anchor"]
    if page == "recipes" and anchor:
        return f"{text} (`{prog} recipe {anchor}`)"
    if page == "claims" and anchor:
        return f"{text} `{anchor}`"
    return f"{text} (docs/{page}.md)"


def commands_for_sections(prose: str, prog: str = PROG) -> str:
    """`prose` with each link to a section's file, or bare file name, made its command, and
    each link to another page of the site made something a terminal can follow."""
    prose = SECTION_LINK.sub(lambda link: f"{link['text']} (`{prog} {int(link['number'])}`)", prose)
    prose = PAGE_LINK.sub(lambda link: _page_link(link, prog), prose)
    return SECTION_NAME.sub(lambda name: f"`{prog} {int(name['number'])}`", prose)


def blocks(
    text: str, *, plain: bool = False, prog: str = PROG, fold: str | None = None
) -> list[RenderableType]:
    """One renderable per block of `text`: fences, admonitions, tab groups, prose between
    (`fold`: deeper parts become a line naming this command)."""
    lines = text.splitlines()
    out: list[RenderableType] = []
    prose: list[str] = []

    def flush() -> None:
        if any(line.strip() for line in prose):
            markdown = PlainMarkdown if plain else GuideMarkdown
            text = commands_for_sections("\n".join(prose), prog)
            out.append(markdown(text, code_theme=CODE_THEME, hyperlinks=not plain))
        prose.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        if (fence := md.fence_at(lines, index)) and not fence.indent:
            flush()
            out.append(_code(fence, plain))
            index = fence.end
        elif admonition := ADMONITION.match(line):
            body, index = _indented(lines, index + 1)
            flush()
            if fold and admonition["kind"] == "deeper":
                out.append(_folded(admonition["title"] or "Deeper", fold))
            else:
                inner = blocks(body, plain=plain, prog=prog, fold=fold)
                out.append(_admonition(admonition, _spaced(inner)))
        elif TAB.match(line):
            tabs: list[tuple[str, Group]] = []
            while index < len(lines) and (tab := TAB.match(lines[index])):
                if tabs and "!" in tab["flags"]:
                    break
                body, index = _indented(lines, index + 1)
                inner = blocks(body, plain=plain, prog=prog, fold=fold)
                tabs.append((tab["title"], _spaced(inner)))
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


def _code(fence: md.Fence, plain: bool = False) -> RenderableType:
    code, language = "\n".join(fence.body), fence.language or "text"
    if language == "mermaid":
        try:
            return Diagram(code)
        except diagrams.DiagramError:
            return Panel(Text(code), title=DIAGRAM_TITLE, title_align="left", border_style="dim")
    lines = _line_numbers(fence.attributes.get("hl_lines", ""))
    syntax = code_block(code.rstrip(), language, plain=plain, highlight_lines=lines)
    if title := fence.attributes.get("title"):
        return Group(Text(title, style="bold"), syntax)
    return syntax


def code_block(
    code: str,
    language: str,
    *,
    plain: bool = False,
    highlight_lines: set[int] | None = None,
    padding: int = 1,
) -> RenderableType:
    """Code, highlighted; in plain text (no colours to show) without pygments, which is
    most of the time a piped section takes."""
    if plain:
        return Padding(Text(code.expandtabs(4)), (0, padding))
    return Syntax(
        code,
        language,
        theme=CODE_THEME,
        word_wrap=True,
        padding=(0, padding),
        highlight_lines=highlight_lines,
    )


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


def _folded(title: str, command: str) -> Text:
    """A deeper part, folded: its title and the command that shows it."""
    line = Text("▸ ", style="dim")
    line.append(title, style="bold")
    line.append(f"  ({command})", style="dim")
    return line


def _tabbed(tabs: list[tuple[str, Group]]) -> Group:
    """Tabs one after another, each under its label: a terminal cannot switch between them."""
    return _spaced(
        [
            Group(Text(f"▍{title}", style="bold cyan"), Padding(body, (0, 0, 0, 2)))
            for title, body in tabs
        ]
    )


def footer(
    section: Section,
    every: list[Section],
    prog: str = PROG,
    *,
    root: Path | None = checkout_root(),  # noqa: B008 (where the package sits: fixed)
) -> Text:
    """`Next: 4  Title (python -m guide 4)` and `Try it: notebooks/03-....ipynb, ...`.

    The notebook is offered in a checkout only (`root`, default guide.checkout's answer;
    None for an installed wheel, which has no notebooks/).
    """
    following = sections.after(section, every)
    text = Text()
    if following is None:
        text.append("Next: ", style="bold")
        text.append("this is the last section; the contents: ")
        text.append(f"{prog} list", style="bold cyan")
    else:
        text.append("Next: ", style="bold")
        text.append(f"{following.number}  {following.title} (")
        text.append(f"{prog} {following.number}", style="bold cyan")
        text.append(")")
    text.append("\nTry it: ", style="bold")
    if root is not None and (notebook := sections.notebook(section, root)):
        text.append(notebook, style="cyan")
        text.append(", ")
    text.append(f"{prog} exercise {section.number}", style="bold cyan")
    return text


class Highlighted:
    """`renderable` with every match of `pattern` in its rendered lines styled `style`."""

    def __init__(self, renderable: RenderableType, pattern: re.Pattern[str], style: str) -> None:
        self.renderable, self.pattern, self.style = renderable, pattern, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(self.renderable, options, pad=False)
        texts = []
        for line in lines:
            text = Text(no_wrap=True)
            for segment in line:
                text.append(segment.text, segment.style)
            text.highlight_regex(self.pattern, style=self.style)
            texts.append(text)
        while texts and not texts[-1].plain.strip():  # a table's bottom edge, a blank line
            texts.pop()
        while texts and not texts[0].plain.strip():
            texts.pop(0)
        yield from texts


def search_results(
    found: list[tuple[Section, list[search.Part]]],
    pattern: re.Pattern[str],
    *,
    prog: str = PROG,
    plain: bool = False,
) -> Group:
    """Each section's hits under its title and the command that opens it, by heading."""
    out: list[RenderableType] = []
    mark = "bold black on yellow"
    for section, parts in found:
        title = Text.assemble(
            (f"{section.number}  {section.title}", "bold"),
            "   ",
            (f"{prog} {section.number}", "bold cyan"),
        )
        body: list[RenderableType] = []
        for part in parts:
            if part.heading is not None and part.heading.level > 1:
                heading = "#" * part.heading.level + " " + part.heading.text
                body.append(Text(heading, style="bold"))
            for block in part.blocks:
                body.append(
                    Padding(Highlighted(_excerpt(block, plain, prog), pattern, mark), (0, 0, 0, 2))
                )
        out.append(Group(title, Padding(_spaced(body), (0, 0, 0, 2))))
    return _spaced(out)


def _excerpt(block: search.Block, plain: bool, prog: str = PROG) -> RenderableType:
    if not block.code:
        return _spaced(blocks(block.text, plain=plain, prog=prog))
    syntax = code_block(block.text, block.language or "text", plain=plain, padding=0)
    label = f"code{': ' + block.title if block.title else ''}"
    return Group(Text(label, style="dim"), syntax)
