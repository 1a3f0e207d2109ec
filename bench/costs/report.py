"""The results as text: the figures the issue asks to reach, and Markdown tables.

Both read only the JSON `runner` wrote, so the docs page (docs/hooks/costs.py) and the
benchmark's own print-out say the same thing.
"""

from __future__ import annotations

GOAL_RATIO, GOAL_PROBE_MS, GOAL_ENQUEUE_MS = 1.2, 250, 5


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def cells(data: dict) -> dict[tuple[str, int, int], dict]:
    return {(c["mode"], c["mail_latency_ms"], c["concurrency"]): c for c in data["cells"]}


def label(data: dict, key: str) -> str:
    mode = next(m for m in data["modes"] if m["key"] == key)
    return f"{mode['number']} {mode['label']}"


def goals(data: dict) -> list[str]:
    """The issue's figures, as measured (printed, never asserted)."""
    grid = cells(data)
    slowest = max(data["settings"]["mail_latencies_ms"])
    busiest = max(data["settings"]["concurrencies"])
    out = [f"\nFigures to reach (mail server {slowest} ms, {busiest} clients where not said):"]
    for concurrency in data["settings"]["concurrencies"]:
        base = grid.get(("no-task", slowest, concurrency), {}).get("response_ms", {}).get("p50")
        if not base:
            continue
        for key in ("async-task", "demo-inprocess", "demo-celery", "taskiq"):
            cell = grid.get((key, slowest, concurrency))
            if not cell or "response_ms" not in cell:
                continue
            p50 = cell["response_ms"]["p50"]
            ratio = p50 / base
            verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
            own = grid.get((key, 0, concurrency), {}).get("response_ms", {}).get("p50")
            versus_own = f"; {p50 / own:.2f}x its own at 0 ms" if own and slowest else ""
            out.append(
                f"  x{concurrency:<3} {label(data, key):<34} p50 {ms(p50)} = {ratio:.2f}x "
                f"no-task's {ms(base)} (goal <= {GOAL_RATIO}x: {verdict}){versus_own}"
            )
        inline = grid.get(("inline", slowest, concurrency), {}).get("response_ms", {}).get("p50")
        if inline:
            slower = inline - base
            verdict = "met" if slower >= slowest else "NOT met"
            out.append(
                f"  x{concurrency:<3} {label(data, 'inline'):<34} p50 {ms(inline)}: {ms(slower)}"
                f" slower (goal >= {slowest} ms: {verdict})"
            )
    out.append(
        f"Unrelated endpoint during {busiest} clients (p95; goal < {GOAL_PROBE_MS} ms for 3, 5, 6):"
    )
    for key in (
        "async-task",
        "demo-inprocess",
        "demo-celery",
        "def-task",
        "blocking-task",
        "taskiq",
    ):
        for latency in data["settings"]["mail_latencies_ms"]:
            cell = grid.get((key, latency, busiest))
            if not cell:
                continue
            if "skipped" in cell:
                out.append(
                    f"  {label(data, key):<34} mail {latency:>4} ms: skipped ({cell['skipped']})"
                )
                continue
            probes = ", ".join(f"{name} {ms(p['p95'])}" for name, p in cell["probe_ms"].items())
            out.append(f"  {label(data, key):<34} mail {latency:>4} ms: {probes}")
    celery = data.get("celery")
    if celery:
        enqueue = celery["enqueue_ms"]["p50"]
        out += [
            f"Celery: enqueue p50 {enqueue:.2f} ms (goal < {GOAL_ENQUEUE_MS} ms: "
            f"{'met' if enqueue < GOAL_ENQUEUE_MS else 'NOT met'})",
            "  " + celery_sentence(celery),
        ]
    return out


def celery_sentence(celery: dict) -> str:
    batch = celery["batch"]
    before = batch["emails_per_s_before_kill"]
    return (
        f"{batch['tasks']} registrations through {celery['workers']} workers: "
        f"{before:.1f} emails/s while both ran, {batch['emails_per_s']:.1f} emails/s over the "
        f"whole batch, with worker w1 SIGKILLed after {batch['killed_after_s']:.1f} s; "
        f"all in after {batch['all_delivered_in_s']:.1f} s: {batch['lost']} lost, "
        f"{batch['duplicated']} duplicated"
    )


COLUMNS = [
    "way",
    "clients",
    "req/s",
    "response p50",
    "p95",
    "p99",
    "email p50",
    "email p95",
    "unrelated p95 (async / def)",
    "lost / dup",
    "CPU (server / workers)",
    "peak RSS",
]


def row(data: dict, cell: dict) -> list[str]:
    way = label(data, cell["mode"])
    if "skipped" in cell:
        return [way, str(cell["concurrency"]), f"skipped: {cell['skipped']}", *[""] * 9]
    r, d, p = cell["response_ms"], cell["delivery_ms"], cell["probe_ms"]
    probe = " / ".join(ms(p[name]["p95"]) for name in ("async", "def") if name in p)
    cpu = " / ".join(f"{v:.0f}%" for v in cell["cpu_percent"].values())
    rss = " + ".join(f"{v:.0f}" for v in cell["peak_rss_mb"].values()) + " MB"
    errors = f" ({cell['errors']} errors)" if cell["errors"] else ""
    return [
        way,
        str(cell["concurrency"]),
        f"{cell['req_per_s']:.0f}{errors}",
        ms(r["p50"]),
        ms(r["p95"]),
        ms(r["p99"]),
        ms(d["p50"]),
        ms(d["p95"]),
        probe,
        "-" if cell["mode"] == "no-task" else f"{cell['lost']} / {cell['duplicated']}",
        cpu,
        rss,
    ]


def table(data: dict, latency_ms: int) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for cell in data["cells"]:
        if cell["mail_latency_ms"] == latency_ms:
            lines.append("| " + " | ".join(row(data, cell)) + " |")
    return "\n".join(lines)
