"""The results as text: the goals each way is measured against, and Markdown tables.

Both read only the JSON `runner` wrote, so the docs page (docs/hooks/costs.py) and the
benchmark's own print-out say the same thing.
"""

from __future__ import annotations

GOAL_RATIO, GOAL_PROBE_MS, GOAL_ENQUEUE_MS = 1.2, 250, 5
# Recorded runs (way 5) against the same registration on plain BackgroundTasks (way 8):
GOAL_CPU_RATIO, GOAL_THROUGHPUT_SHARE, DURABILITY_CLIENTS = 1.5, 2 / 3, 10


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


def cpu_ms_per_request(cell: dict) -> float | None:
    """Server CPU per request over the cell (load and drain: the tasks included)."""
    if not cell.get("requests") or "cpu_seconds" not in cell:
        return None
    return 1000 * cell["cpu_seconds"]["server"] / cell["requests"]


def durability(data: dict) -> list[dict]:
    """Recorded runs (demo-inprocess) over plain BackgroundTasks (demo-plain), per cell."""
    grid, out = cells(data), []
    for latency in data["settings"]["mail_latencies_ms"]:
        for concurrency in data["settings"]["concurrencies"]:
            plain = grid.get(("demo-plain", latency, concurrency), {})
            recorded = grid.get(("demo-inprocess", latency, concurrency), {})
            cpu_p, cpu_r = cpu_ms_per_request(plain), cpu_ms_per_request(recorded)
            if not cpu_p or not cpu_r:
                continue
            out.append(
                {
                    "latency": latency,
                    "concurrency": concurrency,
                    "cpu_ms": (cpu_p, cpu_r),
                    "cpu_ratio": cpu_r / cpu_p,
                    "req_per_s": (plain["req_per_s"], recorded["req_per_s"]),
                    "throughput_share": recorded["req_per_s"] / plain["req_per_s"],
                    "p50": (plain["response_ms"]["p50"], recorded["response_ms"]["p50"]),
                    "p95": (plain["response_ms"]["p95"], recorded["response_ms"]["p95"]),
                }
            )
    return out


def durability_lines(data: dict) -> list[str]:
    rows = durability(data)
    if not rows:
        return []
    out = [
        "The price of durability: recorded runs (5) over the same registration on plain "
        f"BackgroundTasks (8); goals at {DURABILITY_CLIENTS} clients: CPU <= {GOAL_CPU_RATIO}x, "
        f"throughput >= {GOAL_THROUGHPUT_SHARE:.2f}x"
    ]
    for r in rows:
        (cp, cr), (tp, tr) = r["cpu_ms"], r["req_per_s"]
        verdict = ""
        if r["concurrency"] == DURABILITY_CLIENTS:
            cpu_ok = "met" if r["cpu_ratio"] <= GOAL_CPU_RATIO else "NOT met"
            share_ok = "met" if r["throughput_share"] >= GOAL_THROUGHPUT_SHARE else "NOT met"
            verdict = f" (CPU goal: {cpu_ok}; throughput goal: {share_ok})"
        out.append(
            f"  mail {r['latency']:>4} ms x{r['concurrency']:<3} CPU/request {cp:.1f} -> "
            f"{cr:.1f} ms = {r['cpu_ratio']:.2f}x; {tp:.0f} -> {tr:.0f} req/s = "
            f"{r['throughput_share']:.2f}x; response p50 {ms(r['p50'][0])} -> {ms(r['p50'][1])}, "
            f"p95 {ms(r['p95'][0])} -> {ms(r['p95'][1])}{verdict}"
        )
    return out


def goals(data: dict) -> list[str]:
    """The goals' figures, as measured (printed, never asserted)."""
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
    return out + durability_lines(data)


def celery_sentence(celery: dict) -> str:
    batch = celery["batch"]
    before = batch["emails_per_s_before_kill"]
    killed = (
        f"{before:.1f} emails/s while both ran, worker w1 SIGKILLed after "
        f"{batch['killed_after_s']:.1f} s"
        if before
        else "no worker was killed (too few emails arrived)"
    )
    state = "all in" if batch["all_delivered"] else "the waiting stopped"
    return (
        f"{batch['tasks']} registrations through {celery['workers']} workers: {killed}; "
        f"{batch['emails_per_s']:.1f} emails/s over the whole batch, {state} after "
        f"{batch['all_delivered_in_s']:.1f} s: {batch['lost']} lost, "
        f"{batch['duplicated']} duplicated, {batch.get('resent', 0)} sent again by the sweep"
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
    "unrelated p95, max (async / def)",
    "lost / dup",
    "CPU (server / workers)",
    "peak RSS",
]


def row(data: dict, cell: dict) -> list[str]:
    way = label(data, cell["mode"])
    if "skipped" in cell:
        return [way, str(cell["concurrency"]), f"skipped: {cell['skipped']}", *[""] * 9]
    r, d, p = cell["response_ms"], cell["delivery_ms"], cell["probe_ms"]
    probe = " / ".join(
        f"{ms(p[name]['p95'])}, {ms(p[name]['max'])}" for name in ("async", "def") if name in p
    )
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


def people(n: int) -> str:
    return "1 client" if n == 1 else f"{n} clients"


def p(grid: dict, key: str, latency: int, concurrency: int, *path: str) -> float | None:
    """A figure of one cell, or None if that cell was not run (or has no such figure)."""
    value = grid.get((key, latency, concurrency))
    for step in path:
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value if isinstance(value, int | float) else None


def findings(data: dict) -> list[str]:
    """Sentences computed from the JSON: each is written only when the figures say it."""
    grid, out = cells(data), []
    latencies, concurrencies = (
        data["settings"]["mail_latencies_ms"],
        data["settings"]["concurrencies"],
    )
    slow, few, many = max(latencies), min(concurrencies), max(concurrencies)
    base = p(grid, "no-task", slow, few, "response_ms", "p50")
    inline = p(grid, "inline", slow, few, "response_ms", "p50")
    if base and inline and inline - base >= 0.8 * slow:
        out.append(
            f"**Inline, the client waits for the mail server.** With {people(few)} and a "
            f"{slow} ms mail server, the inline route answered in {ms(inline)} (p50), the route "
            f"without an email in {ms(base)}."
        )
    moved = []
    for key in ("def-task", "async-task", "demo-inprocess", "demo-celery", "taskiq"):
        fast = p(grid, key, min(latencies), few, "response_ms", "p50")
        slowed = p(grid, key, slow, few, "response_ms", "p50")
        if fast and slowed and slowed < 0.5 * slow:
            moved.append(
                f"{label(data, key)}: {ms(slowed)} at {slow} ms, {ms(fast)} at {min(latencies)} ms"
            )
    if moved and slow:
        out.append(
            "**After the response, the mail server's speed leaves the response alone.** "
            f"Response p50 with {people(few)}: " + "; ".join(moved) + "."
        )
    for concurrency in sorted(concurrencies, reverse=True):
        frozen = p(grid, "blocking-task", slow, concurrency, "probe_ms", "async", "p95")
        awaited = p(grid, "async-task", slow, concurrency, "probe_ms", "async", "p95")
        if frozen and awaited and frozen > 2 * awaited:
            out.append(
                f"**A blocking call in an `async def` task stops the server.** With "
                f"{concurrency} clients and a {slow} ms mail server, `GET /ping` took "
                f"{ms(frozen)} (p95) while way 4's emails were sent, {ms(awaited)} in way 3."
            )
            break
    worst = max(
        (
            (p(grid, "def-task", lat, con, "probe_ms", "def", "p95") or 0, lat, con)
            for lat in latencies
            for con in concurrencies
        ),
        default=(0, 0, 0),
    )
    starved, latency, concurrency = worst
    fine = p(grid, "def-task", latency, concurrency, "probe_ms", "async", "p95")
    if starved and fine and starved > 2 * fine:
        out.append(
            f"**`def` tasks use the thread tokens that `def` endpoints need.** In way 2 "
            f"with {people(concurrency)} and a {latency} ms mail server, `GET /ping-sync` "
            f"(`def`) took {ms(starved)} (p95), `GET /ping` (`async def`) {ms(fine)}."
        )
    emails = []
    for key in ("demo-inprocess", "demo-celery", "taskiq", "async-task", "def-task"):
        value = p(grid, key, slow, many, "delivery_ms", "p95")
        if value:
            emails.append(f"{label(data, key)} {ms(value)}")
    if emails:
        out.append(
            f"**When the email arrives** ({many} clients, {slow} ms mail server, p95 from the "
            "request): " + "; ".join(emails) + ". A queue's workers send as many at once as "
            f"they have slots ({data['settings']['celery']} for Celery)."
        )
    memory = []
    for mode in data["modes"]:
        peaks = [
            sum(c["peak_rss_mb"].values())
            for c in data["cells"]
            if c["mode"] == mode["key"] and "peak_rss_mb" in c
        ]
        if peaks:
            memory.append(f"{label(data, mode['key'])} {max(peaks):.0f} MB")
    if memory:
        out.append(
            "**Memory** (largest peak RSS over its cells, server plus workers, shared pages "
            "counted in each process): " + "; ".join(memory) + "."
        )
    if data.get("celery"):
        sentence = "**Celery with a worker SIGKILLed:** " + celery_sentence(data["celery"]) + "."
        if data["celery"]["batch"]["duplicated"]:
            sentence += (
                " A duplicate is the window `demo_app/lesson/email.py` names: a pool process "
                "killed after the mail server took the message and before the commit that marks it "
                "sent; the redelivered run sends it again."
            )
        out.append(sentence)
    return out
