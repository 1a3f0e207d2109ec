"""A step's timeline: each request's response and task runs as bars from start to end, all
on one time scale (milliseconds after each request arrived)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

BAR_WIDTH = 40  # columns for the whole scale


@dataclass(frozen=True)
class Span:
    """Something that took time, in ms after its request arrived."""

    label: str
    start_ms: float
    end_ms: float
    is_response: bool = False
    status: str = ""


def spans_of(label: str, events: list[dict], attempts: dict[str, int] | None = None) -> list[Span]:
    """A request's spans from the server's timeline (`GET /requests/{id}/timeline`): its
    handling (arrival to response sent), then each run from its start to its end.
    `attempts` (run id -> attempt) marks runs that needed more than one."""
    sent = next(e["at_ms"] for e in events if e["event"] == "response sent")
    spans = [Span(label, 0.0, sent, is_response=True)]
    started = {e["run_id"]: e for e in events if e["event"] == "task started"}
    for event in events:
        if event["event"] != "task finished":
            continue
        begin = started.get(event["run_id"], event)
        attempt = (attempts or {}).get(event["run_id"], 1)
        name = event["task"] + (f" (attempt {attempt})" if attempt > 1 else "")
        spans.append(Span(name, begin["at_ms"], event["at_ms"], status=event["status"] or ""))
    return spans


def bar(start_ms: float, end_ms: float, scale_ms: float, width: int = BAR_WIDTH) -> str:
    """Blank up to `start_ms`, full blocks to `end_ms`, on `width` columns for `scale_ms`;
    at least one block, so a 0.1 ms task is still seen."""
    first = min(round(start_ms / scale_ms * width), width - 1)
    last = max(min(round(end_ms / scale_ms * width), width), first + 1)
    return " " * first + "█" * (last - first)


def render(spans: list[Span], title: str, width: int | None = None, columns: int = 100) -> Table:
    """One table for the step, scaled to its latest end. The bars take `width` columns, or
    (by default) what `columns` leaves beside the labels and times, at most BAR_WIDTH."""
    scale = max((span.end_ms for span in spans), default=0.0) or 1.0
    if width is None:
        labels = max(
            (len(span.label) + (0 if span.is_response else 2) for span in spans), default=0
        )
        times = max((len(times_of(span)) for span in spans), default=0)
        width = max(10, min(BAR_WIDTH, columns - labels - times - 6))  # 6: the cells' padding
    axis = f"0 ms{f'{scale:.0f} ms':>{width - 4}}"
    table = Table(box=None, padding=(0, 1), title=title, title_justify="left", title_style="dim")
    table.add_column("", no_wrap=True)
    table.add_column("ms", justify="right", no_wrap=True)
    table.add_column(Text(axis, style="dim"), no_wrap=True, min_width=width)
    for span in spans:
        style = "green" if span.is_response else "red" if span.status != "succeeded" else "yellow"
        label = span.label if span.is_response else f"  {span.label}"
        table.add_row(
            Text(label, style="bold" if span.is_response else ""),
            times_of(span),
            Text(bar(span.start_ms, span.end_ms, scale, width), style=style),
        )
    return table


def times_of(span: Span) -> str:
    return f"{span.start_ms:.1f}–{span.end_ms:.1f}"
