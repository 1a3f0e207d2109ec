"""The page "What each way costs": tables and plots drawn from bench/results/ at build time.

`make bench` writes bench/results/costs.json (`make bench-quick`: quick.json); this hook
never runs the benchmark. It draws the SVGs from the JSON (`bench.costs.plots`) into the
site beside the page, and fills the page's markers with the machine, the goals, as
measured, and one table per mail latency (`bench.costs.report`), so the page shows exactly
what the committed JSON says.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PAGE = "costs.md"
CHOOSING = "choosing.md"  # "Which way to run a task": one way's figures, by marker
if str(ROOT) not in sys.path:  # bench.costs, from the checkout
    sys.path.insert(0, str(ROOT))

from bench.costs import plots, report  # noqa: E402

DATABASES = {"durability": "SQLite", "durability-postgres": "PostgreSQL"}


def durability_results(name: str = "durability") -> dict | None:
    """`make bench`'s durability runs: the demo with and without run records, on SQLite
    (`durability.json`) and on PostgreSQL (`durability-postgres.json`)."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def durability(_data: dict) -> str:
    """The conclusion the page leads with: recorded runs over the same work, plain."""
    parts = [durability_on(name, database) for name, database in DATABASES.items()]
    return "\n\n".join(part for part in parts if part) or (
        "No durability run in `bench/results/`: `make bench` writes `durability.json`."
    )


def durability_on(name: str, database: str) -> str:
    data = durability_results(name)
    rows = report.durability(data) if data else []
    if not data or not rows:
        return ""
    lines = [
        "| mail server | clients | server CPU per registration (plain → recorded) | "
        "req/s (plain → recorded) | response p50 | response p95 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        (cp, cr), (tp, tr) = r["cpu_ms"], r["req_per_s"]
        lines.append(
            f"| {r['latency']} ms | {r['concurrency']} | {cp:.1f} → {cr:.1f} ms "
            f"(**{r['cpu_ratio']:.2f}x**) | {tp:.0f} → {tr:.0f} (**{r['throughput_share']:.2f}x**) "
            f"| {report.ms(r['p50'][0])} → {report.ms(r['p50'][1])} "
            f"| {report.ms(r['p95'][0])} → {report.ms(r['p95'][1])} |"
        )
    at = [r for r in rows if r["concurrency"] == report.DURABILITY_CLIENTS]
    cpu = ", ".join(f"{r['cpu_ratio']:.2f}x (mail server {r['latency']} ms)" for r in at)
    share = ", ".join(f"{r['throughput_share']:.2f}x" for r in at)
    when = datetime.fromisoformat(data["date"]).strftime("%Y-%m-%d %H:%M UTC")
    counted = (
        " The server CPU is the app process's: PostgreSQL's own processes are not counted, "
        "on either way."
        if database == "PostgreSQL"
        else " SQLite runs inside the app process: its work is in the server CPU."
    )
    lead = (
        f"**On {database}**, with {report.DURABILITY_CLIENTS} clients, recorded runs cost "
        f"{cpu} the server CPU per registration of the same registration on plain "
        f"`BackgroundTasks`, and answered {share} as many requests per second (measured "
        f"{when}, {data['settings']['seconds_per_cell']:g} s of load per cell, load average "
        f"at the start {data['machine']['load_average_start'][0]:.1f} on "
        f"{data['machine']['cores']} cores).{counted}"
    )
    return lead + "\n\n" + "\n".join(lines)


def results() -> dict:
    """The full run if there is one, else the quick run."""
    for name in ("costs.json", "quick.json"):
        if (RESULTS / name).exists():
            return json.loads((RESULTS / name).read_text())
    raise FileNotFoundError(f"no results in {RESULTS}: run make bench")


def machine(data: dict) -> str:
    m, v = data["machine"], data["versions"]
    when = datetime.fromisoformat(data["date"]).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in m["load_average_start"])
    kind = "the full grid (`make bench`)" if data["kind"] == "costs" else "the quick mode only"
    versions = ", ".join(f"{name} {v[name]}" for name in v)
    s = data["settings"]
    celery_env = ", ".join(f"`{k}={v}`" for k, v in s.get("celery_env", {}).items())
    return (
        f"Measured {when}, {kind}, in {data['seconds'] / 60:.1f} minutes, on {m['cores']} "
        f"cores ({m['cpu']}) with {m['memory_mb'] / 1024:.0f} GB of memory, {m['system']}, "
        f"Python {m['python']}; load average at the start {load} (a shared machine: the "
        f"clients, the mail sink and the servers all ran on these {m['cores']} cores). "
        f"{s['seconds_per_cell']:g} s of load per cell. Versions: {versions}. Celery: "
        f"{s['celery']}, with the harness's short limits for a throwaway stack "
        f"({celery_env}); Taskiq: {s['taskiq']}."
    )


def tables(data: dict) -> str:
    out = []
    for latency in data["settings"]["mail_latencies_ms"]:
        body = report.table(data, latency).replace("\n", "\n    ")
        out.append(f'=== "Mail server {latency} ms"\n\n    {body}\n')
    return "\n".join(out)


def figures(data: dict) -> str:
    captions = {name: title for name, (title, _, _) in plots.FIGURES.items()}
    return "\n\n".join(
        f"![{captions[name]}](costs/{data['kind']}-{name}.svg)" for name in plots.FIGURES
    )


def goals(data: dict) -> str:
    return "```text\n" + "\n".join(report.goals(data)).strip("\n") + "\n```"


def findings(data: dict) -> str:
    return "\n".join(f"- {sentence}" for sentence in report.findings(data))


MARKERS = {
    "<!-- costs:durability -->": durability,
    "<!-- costs:findings -->": findings,
    "<!-- costs:machine -->": machine,
    "<!-- costs:goals -->": goals,
    "<!-- costs:tables -->": tables,
    "<!-- costs:figures -->": figures,
}


def on_files(files: Files, config) -> Files:
    for name, svg in plots.render(results()).items():
        files.append(File.generated(config, f"costs/{name}", content=svg))
    return files


def one_way(data: dict, key: str) -> str:
    """`<!-- costs:way KEY -->`: one way's response and delivery, one client, slowest mail."""
    if key == "celery-enqueue":
        enqueue = data["celery"]["enqueue_ms"]
        return (
            f"The benchmark timed Celery's `send_task` (what `.delay()` does) {enqueue['n']} "
            f"times against Redis on this machine: p50 {report.ms(enqueue['p50'])}, max "
            f"{report.ms(enqueue['max'])}."
        )
    slowest = max(data["settings"]["mail_latencies_ms"])
    grid = report.cells(data)
    cell, base = grid[(key, slowest, 1)], grid[("no-task", slowest, 1)]
    mode = next(mode for mode in data["modes"] if mode["key"] == key)
    return (
        f"Measured by `make bench` (way {mode['number']} of [What each way costs](costs.md), "
        f"{mode['label']}; one client, a mail server that takes {slowest:,} ms): "
        f"response p50 {report.ms(cell['response_ms']['p50'])} "
        f"(the same route without an email: {report.ms(base['response_ms']['p50'])}); the "
        f"email arrived {report.ms(cell['delivery_ms']['p50'])} after the request (p50)."
    )


def on_page_markdown(markdown: str, page, config, files) -> str:
    if page.file.src_uri == CHOOSING:
        data = results()
        return re.sub(r"<!-- costs:way (\S+) -->", lambda m: one_way(data, m[1]), markdown)
    if page.file.src_uri != PAGE:
        return markdown
    data = results()
    for marker, render in MARKERS.items():
        markdown = markdown.replace(marker, render(data))
    return markdown
