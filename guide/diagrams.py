"""Mermaid sequence diagrams drawn in text, for the terminal reader.

`draw(source, width)` turns a ```` ```mermaid ```` fence's body into lines of box-drawing
characters: each participant a box over a lifeline (a column), each message an arrow
between two lifelines with its label above it (a message to itself a loop to the right),
each note a box over the lifelines it names, `loop`/`alt`/`opt`/`par`/`critical`/`rect`
blocks a labelled line across the diagram. What the guide's diagrams use, no more:
`participant`/`actor` (with `as`), `autonumber`, `->>`, `-->>`, `->`, `-->`, `-x`, `--x`,
`-)`, `--)`, `Note over|left of|right of`, `<br/>` in labels. `activate`/`deactivate` and
the `+`/`-` activation marks are accepted and not drawn.

Anything else (another diagram type, a line it cannot read) raises DiagramError: the
reader then shows the source. Labels wrap to fit `width`. Standard library only.
"""

from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass, field

GAP = 3  # columns between two participant boxes, at least
MIN_LABEL = 12  # labels are never wrapped narrower than this

PARTICIPANT = re.compile(r"^(?:participant|actor)\s+(?P<id>[^\s]+?)(?:\s+as\s+(?P<label>.+))?$")
MESSAGE = re.compile(
    r"^(?P<source>[^\s:>-][^:>]*?)\s*(?P<arrow>-->>|->>|-->|->|--x|-x|--\)|-\))\s*"
    r"[+-]?(?P<target>[^\s:+-][^:]*?)\s*:\s*(?P<label>.*)$"
)
NOTE = re.compile(
    r"^note\s+(?P<where>over|left of|right of)\s+(?P<who>[^:]+?)\s*:\s*(?P<text>.*)$",
    re.IGNORECASE,
)
BLOCK = re.compile(
    r"^(?P<kind>loop|alt|else|opt|par|and|critical|option|break|rect)\b\s*(?P<label>.*)$"
)
IGNORED = re.compile(r"^(?:activate|deactivate|title|%%|box\b)")
BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


class DiagramError(ValueError):
    """The source is not a sequence diagram this module can draw."""


@dataclass
class Participant:
    id: str
    label: str


@dataclass
class Message:
    source: int
    target: int
    label: str
    dashed: bool
    head: str  # "▶", "x", ")" or "" (a line without a head)


@dataclass
class Note:
    first: int
    last: int
    where: str  # "over", "left of", "right of"
    text: str


@dataclass
class Block:
    kind: str  # loop, alt, else, ..., or "end"
    label: str


Event = Message | Note | Block


@dataclass
class Diagram:
    participants: list[Participant] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def index(self, name: str) -> int:
        """The participant called `name`, declared on first use as mermaid does."""
        name = name.strip()
        for number, participant in enumerate(self.participants):
            if participant.id == name:
                return number
        self.participants.append(Participant(name, name))
        return len(self.participants) - 1


def parse(source: str) -> Diagram:
    lines = [line.strip() for line in source.splitlines()]
    lines = [line for line in lines if line and not line.startswith("%%")]
    if not lines or lines[0] != "sequenceDiagram":
        raise DiagramError(f"not a sequence diagram: {lines[0] if lines else '(empty)'!r}")
    diagram, numbered, depth = Diagram(), False, 0
    for line in lines[1:]:
        if line == "autonumber":
            numbered = True
        elif match := PARTICIPANT.match(line):
            number = diagram.index(match["id"])
            diagram.participants[number].label = _text(match["label"] or match["id"])
        elif match := NOTE.match(line):
            who = [diagram.index(name) for name in match["who"].split(",")]
            where = match["where"].lower()
            diagram.events.append(Note(min(who), max(who), where, _text(match["text"])))
        elif match := MESSAGE.match(line):
            arrow = match["arrow"]
            label = _text(match["label"])
            if numbered:
                count = sum(isinstance(event, Message) for event in diagram.events)
                label = f"{count + 1}. {label}"
            head = {">>": "▶", "x": "x", ")": ")"}.get(arrow.lstrip("-"), "")
            diagram.events.append(
                Message(
                    diagram.index(match["source"]),
                    diagram.index(match["target"]),
                    label,
                    dashed=arrow.startswith("--"),
                    head=head,
                )
            )
        elif match := BLOCK.match(line):
            depth += match["kind"] not in ("else", "and", "option")
            diagram.events.append(Block(match["kind"], _text(match["label"])))
        elif line == "end":
            if depth == 0:
                raise DiagramError("'end' without a block to end")
            depth -= 1
            diagram.events.append(Block("end", ""))
        elif not IGNORED.match(line):
            raise DiagramError(f"cannot draw this line: {line!r}")
    if not diagram.participants:
        raise DiagramError("a sequence diagram without participants")
    return diagram


def draw(source: str, width: int = 100) -> list[str]:
    """The diagram as lines of text no wider than `width`, when its words allow it.

    The labels that make it too wide are wrapped, the longest first, one at a time while
    that narrows the diagram; then all of them to a common width; then long words too,
    if the width is still too small.
    """
    diagram = parse(source)
    wraps: dict[int, int] = {}
    layout = _Layout(diagram, wraps)
    while layout.width > width:
        for key, longest in sorted(layout.longest.items(), key=lambda item: -item[1]):
            trial = {**wraps, key: longest - 1}
            if longest > MIN_LABEL and (candidate := _Layout(diagram, trial)).width < layout.width:
                wraps, layout = trial, candidate
                break
        else:
            break
    widest = max(layout.longest.values(), default=MIN_LABEL)
    for break_words in (False, True):
        cap = widest
        while layout.width > width and cap > MIN_LABEL:
            cap -= 1
            capped = {key: min(wraps.get(key, cap), cap) for key in layout.longest}
            layout = _Layout(diagram, capped, break_words)
        if layout.width <= width:
            break
        layout = _Layout(diagram, wraps)
    return layout.lines()


def _text(label: str) -> str:
    return BREAK.sub("\n", label.strip()).replace("#59;", ";").replace("#35;", "#")


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, width: int, break_words: bool = False) -> tuple[str, ...]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        wrapped = textwrap.wrap(
            paragraph, width, break_long_words=break_words, break_on_hyphens=False
        )
        lines += wrapped or [""]
    return tuple(lines)


class _Layout:
    """Where each lifeline stands (its column) once every label has room, then the rows."""

    def __init__(self, diagram: Diagram, wraps: dict[int, int], break_words: bool = False) -> None:
        self.diagram, self.wraps, self.break_words = diagram, wraps, break_words
        self.longest: dict[int, int] = {}  # each label's longest line, by id() of its owner
        people = diagram.participants
        self.boxes = [max(len(line) for line in self.text(p)) + 4 for p in people]
        gaps = [
            (self.boxes[n] + 1) // 2 + self.boxes[n + 1] // 2 + GAP for n in range(len(people) - 1)
        ]
        left = (self.boxes[0] + 1) // 2  # the first lifeline's column: its box's left half
        right = self.boxes[-1] // 2  # what the last box needs right of its lifeline
        for event in diagram.events:
            if isinstance(event, Message) and event.source != event.target:
                first, last = sorted((event.source, event.target))
                needed = max(len(line) for line in self.text(event)) + 4
                _widen(gaps, first, last, needed)
            elif isinstance(event, Message):  # to itself: a loop, its label to the right
                needed = max(len(line) for line in self.text(event)) + 5
                if event.source < len(gaps):
                    _widen(gaps, event.source, event.source + 1, needed + 2)
                elif event.source == len(people) - 1:
                    right = max(right, needed)
            elif isinstance(event, Note):
                inner = max(len(line) for line in self.text(event)) + 4
                if event.where == "over" and event.first != event.last:
                    _widen(gaps, event.first, event.last, inner - 2)
                elif event.where == "over":
                    left = max(left, (inner + 1) // 2) if event.first == 0 else left
                    if event.first == len(people) - 1:
                        right = max(right, inner // 2)
                elif event.where == "right of":
                    if event.first < len(gaps):
                        _widen(gaps, event.first, event.first + 1, inner + 2)
                    else:
                        right = max(right, inner + 1)
                else:  # left of
                    if event.first > 0:
                        _widen(gaps, event.first - 1, event.first, inner + 2)
                    else:
                        left = max(left, inner + 1)
        self.columns = [left]
        for gap in gaps:
            self.columns.append(self.columns[-1] + gap)
        self.width = self.columns[-1] + right + 1

    def text(self, owner: Participant | Event) -> tuple[str, ...]:
        """The label of a participant or message, the text of a note, wrapped as decided."""
        text = owner.text if isinstance(owner, Note) else getattr(owner, "label", "")
        key = id(owner)
        lines = _wrapped(text, self.wraps.get(key, len(text) or 1), self.break_words)
        self.longest[key] = max(len(line) for line in lines)
        return lines

    def lines(self) -> list[str]:
        rows: list[list[str]] = []
        self._participants(rows)
        for event in self.diagram.events:
            if isinstance(event, Message):
                self._message(rows, event)
            elif isinstance(event, Note):
                self._note(rows, event)
            else:
                self._block(rows, event)
        rows.append(self._lifelines())
        return ["".join(row).rstrip() for row in rows]

    def _lifelines(self) -> list[str]:
        row = [" "] * self.width
        for column in self.columns:
            row[column] = "│"
        return row

    def _participants(self, rows: list[list[str]]) -> None:
        labels = [self.text(p) for p in self.diagram.participants]
        height = max(len(label) for label in labels)
        top, bottom = [" "] * self.width, [" "] * self.width
        middle = [[" "] * self.width for _ in range(height)]
        for column, box, label in zip(self.columns, self.boxes, labels, strict=True):
            start = column - (box + 1) // 2 + 1
            _put(top, start, "┌" + "─" * (box - 2) + "┐")
            _put(bottom, start, "└" + "─" * (box - 2) + "┘")
            bottom[column] = "┬"
            for number, row in enumerate(middle):
                text = label[number] if number < len(label) else ""
                _put(row, start, "│" + text.center(box - 2) + "│")
        rows += [top, *middle, bottom]

    def _message(self, rows: list[list[str]], message: Message) -> None:
        line = "╌" if message.dashed else "─"
        source, target = self.columns[message.source], self.columns[message.target]
        label = self.text(message)
        if source == target:
            for number, text in enumerate(label):
                row = self._lifelines()
                _put(row, source + 1, (line * 2 + "┐" if number == 0 else "  │") + " " + text)
                rows.append(row)
            row = self._lifelines()
            head = {"▶": "◀", "": line}.get(message.head, message.head)
            _put(row, source + 1, head + line + "┘")
            rows.append(row)
            return
        first, last = sorted((source, target))
        for text in label:
            row = self._lifelines()
            _put(row, first + 1 + (last - first - 1 - len(text)) // 2, text)
            rows.append(row)
        row = self._lifelines()
        arrow = [line] * (last - first - 1)
        if message.head:
            if target > source:
                arrow[-1] = message.head
            else:
                arrow[0] = {"▶": "◀"}.get(message.head, message.head)
        _put(row, first + 1, "".join(arrow))
        rows.append(row)

    def _note(self, rows: list[list[str]], note: Note) -> None:
        text = self.text(note)
        inner = max(len(line) for line in text) + 2
        first, last = self.columns[note.first], self.columns[note.last]
        if note.where == "over":
            span = max(inner, last - first + 4)
            start = (first + last + 1) // 2 - (span + 2) // 2 + 1
        elif note.where == "right of":
            span, start = inner, last + 2
        else:
            span, start = inner, first - inner - 3
        start = max(0, start)
        boxed = ["┌" + "─" * span + "┐"]
        boxed += ["│" + line.center(span) + "│" for line in text]
        boxed += ["└" + "─" * span + "┘"]
        for part in boxed:
            row = self._lifelines()
            _put(row, start, part)
            rows.append(row)

    def _block(self, rows: list[list[str]], block: Block) -> None:
        """A line across the diagram, lifelines crossing it: `┌─ loop every N ───┐`."""
        row = ["┼" if char == "│" else "─" for char in self._lifelines()]
        if block.kind == "end":
            row[0], row[-1] = "└", "┘"
        else:
            row[0], row[-1] = ("├", "┤") if block.kind in ("else", "and", "option") else ("┌", "┐")
            _put(row, 1, f"─ {block.kind} {block.label}".rstrip() + " ")
        rows.append(row)


def _widen(gaps: list[int], first: int, last: int, needed: int) -> None:
    """Spread what the gaps between lifelines `first` and `last` lack of `needed`."""
    short = needed - sum(gaps[first:last])
    for number in range(first, last):
        if short <= 0:
            return
        share = -(-short // (last - number))  # ceiling: the last gaps take what is left
        gaps[number] += share
        short -= share


def _put(row: list[str], start: int, text: str) -> None:
    """Write `text` over `row` from `start`, growing the row if needed."""
    if start + len(text) > len(row):
        row.extend(" " * (start + len(text) - len(row)))
    row[start : start + len(text)] = list(text)
