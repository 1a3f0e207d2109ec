"""The grid: every mode x mail latency x concurrency, written to bench/results/NAME.json.

    .venv/bin/python -m bench.costs            # make bench: the full grid, ~10-15 min
    .venv/bin/python -m bench.costs --quick    # make bench-quick: one cell per mode, < 60 s
    .venv/bin/python -m bench.costs --durability  # the demo with and without run records
    .venv/bin/python -m bench.costs --durability --database postgres  # the same on PostgreSQL
    .venv/bin/python -m bench.costs --durability --latencies 100 --concurrencies 10 \
        --seconds 10 --out /tmp/bench   # one cell, longer: written as debug.json

It prints each cell as it goes and, at the end, the goals and how far each was reached; it
asserts nothing. One server (and sink, and workers) per mode, kept for all its cells.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.costs import celery_extra, modes, plots, report
from bench.costs.load import Deliveries, run_cell
from bench.costs.modes import CELERY_CONCURRENCY, CELERY_WORKERS, MODES, TASKIQ_WORKERS
from guide.live.celery import CELERY_ENV, RedisServer

RESULTS = Path(__file__).resolve().parents[1] / "results"
PACKAGES = ["fastapi", "starlette", "uvicorn", "anyio", "httpx", "aiosmtplib", "aiosmtpd"]
PACKAGES += ["sqlalchemy", "celery", "redis", "taskiq", "taskiq-redis", "matplotlib"]


@dataclass(frozen=True)
class Grid:
    name: str
    latencies_ms: tuple[int, ...]
    concurrencies: tuple[int, ...]
    duration: float  # seconds of load per cell
    drain_budget: float  # seconds of emails after the load a bounded mode is given
    skip_over: float  # seconds of frozen server past which a cell is not run
    max_requests: int
    celery_tasks: int
    budget: float  # seconds: past this, the cells left are skipped (and say so)
    interleaved: bool = False  # all modes up at once, each cell run for each mode in turn


FULL = Grid("costs", (0, 100, 1000), (1, 10, 100), 2.5, 8.0, 30.0, 3000, 500, 780.0)
QUICK = Grid("quick", (100,), (10,), 1.5, 3.0, 10.0, 300, 40, 300.0)
# The price of durability: the demo's registration with and without its run records
DURABILITY = Grid("durability", (0, 100), (1, 10, 100), 3.0, 8.0, 30.0, 3000, 0, 600.0, True)
DURABILITY_MODES = ["demo-plain", "demo-inprocess"]


def machine() -> dict:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": total_kb // 1024,
        "system": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": os.getloadavg(),
    }


def limits(grid: Grid, slots: int | None, latency: float, concurrency: int) -> int | str:
    """The cell's request cap, or why it is skipped: a mode with `slots` emails in flight
    gets as many requests as it can deliver in the drain budget (at least one per client)."""
    if slots is None or latency == 0:
        return grid.max_requests
    frozen = concurrency / slots * latency
    if frozen > grid.skip_over:
        return f"{concurrency} clients' emails take {frozen:.0f} s through {slots} slot(s)"
    return min(grid.max_requests, max(concurrency, int(slots / latency * grid.drain_budget)))


def line(cell: dict) -> str:
    if "skipped" in cell:
        where = f"{cell['mail_latency_ms']:>5} ms  x{cell['concurrency']:<4}"
        return f"  {where} skipped: {cell['skipped']}"
    r, d = cell["response_ms"], cell["delivery_ms"]
    probes = "  ".join(f"{k} p95 {report.ms(v['p95'])}" for k, v in cell["probe_ms"].items())
    return (
        f"  {cell['mail_latency_ms']:>5} ms  x{cell['concurrency']:<4} {cell['requests']:>5} req "
        f"{cell['req_per_s']:7.1f}/s  resp p50 {report.ms(r['p50'])} p95 {report.ms(r['p95'])} "
        f"p99 {report.ms(r['p99'])}  mail p50 {report.ms(d['p50'])} p95 {report.ms(d['p95'])}  "
        f"probe {probes}  lost {cell['lost']} dup {cell['duplicated']} err {cell['errors']}"
    )


def interleave(grid: Grid, data: dict, modes: list, cleanup, redis) -> None:
    """Every mode up at once; each cell run for every mode, one after the other, so the
    modes of a cell share the machine's load of that moment (the ratios are what count)."""
    started = {}
    for mode in modes:
        deliveries = Deliveries()
        target, sink = cleanup.enter_context(mode.start(deliveries, redis))
        started[mode.key] = (mode, deliveries, target, sink)
    for latency_ms in grid.latencies_ms:
        for concurrency in grid.concurrencies:
            for key, (mode, deliveries, target, sink) in started.items():
                sink.delay = latency_ms / 1000
                cell = {"mode": key, "mail_latency_ms": latency_ms}
                cell |= run_cell(
                    target,
                    deliveries,
                    prefix=f"m{mode.number}l{latency_ms}c{concurrency}n",
                    concurrency=concurrency,
                    duration=grid.duration,
                    limit=grid.max_requests,
                    drain=30 + 2 * latency_ms / 1000 * grid.max_requests,
                )
                data["cells"].append(cell)
                print(f"{mode.number} {line(cell)}", flush=True)


def run(grid: Grid, out: Path, only: list[str] | None) -> dict:
    began = time.perf_counter()
    data: dict = {
        "kind": grid.name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": {name: version(name) for name in PACKAGES},
        "settings": {
            "mail_latencies_ms": grid.latencies_ms,
            "concurrencies": grid.concurrencies,
            "seconds_per_cell": grid.duration,
            "drain_budget_s": grid.drain_budget,
            "skip_over_s": grid.skip_over,
            "budget_s": grid.budget,
            "celery": f"{CELERY_WORKERS} workers x {CELERY_CONCURRENCY} pool processes",
            "taskiq": f"{TASKIQ_WORKERS} worker processes",
            "celery_env": {k: v for k, v in CELERY_ENV.items() if not k.startswith("ARGON2")},
        },
        "modes": [{"key": m.key, "number": m.number, "label": m.label} for m in MODES],
        "cells": [],
    }
    with contextlib.ExitStack() as cleanup:
        redis_box: list[RedisServer] = []

        def redis() -> RedisServer:
            if not redis_box:
                workdir = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-redis-"))
                redis_box.append(cleanup.enter_context(RedisServer(workdir)))
            return redis_box[0]

        if grid.interleaved:
            interleave(grid, data, [m for m in MODES if m.key in (only or [])], cleanup, redis)
        for mode in [] if grid.interleaved else MODES:
            if only and mode.key not in only:
                continue
            print(f"{mode.number} {mode.label}", flush=True)
            deliveries = Deliveries()
            started = time.perf_counter()
            with mode.start(deliveries, redis) as (target, sink):
                print(f"  up in {time.perf_counter() - started:.1f} s", flush=True)
                for latency_ms in grid.latencies_ms:
                    sink.delay = latency_ms / 1000
                    for concurrency in grid.concurrencies:
                        cell = {"mode": mode.key, "mail_latency_ms": latency_ms}
                        cap = limits(grid, mode.slots, latency_ms / 1000, concurrency)
                        if time.perf_counter() - began > grid.budget:
                            cap = f"past the run's budget of {grid.budget:.0f} s"
                        if isinstance(cap, str):
                            cell |= {"concurrency": concurrency, "skipped": cap}
                        else:
                            drain = 30 + 2 * latency_ms / 1000 * cap / (mode.slots or cap)
                            cell |= run_cell(
                                target,
                                deliveries,
                                prefix=f"m{mode.number}l{latency_ms}c{concurrency}n",
                                concurrency=concurrency,
                                duration=grid.duration,
                                limit=cap,
                                drain=drain,
                            )
                        data["cells"].append(cell)
                        print(line(cell), flush=True)
                if target.stack is not None:
                    late = time.perf_counter() - began > 0.6 * grid.budget
                    tasks = min(grid.celery_tasks, 100) if late else grid.celery_tasks
                    data["celery"] = celery_extra.run(target, sink, deliveries, tasks)
    data["machine"]["load_average_end"] = os.getloadavg()
    data["seconds"] = time.perf_counter() - began
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{grid.name}.json").write_text(json.dumps(data, indent=1) + "\n")
    for name, svg in ({} if grid.interleaved else plots.render(data)).items():
        (out / name).write_text(svg)
    print("\n".join(report.goals(data)))
    print(f"\n{data['seconds']:.0f} s in all; written to {out / (grid.name + '.json')}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one latency, one concurrency")
    parser.add_argument("--durability", action="store_true", help="ways 8 and 5 only, longer cells")
    parser.add_argument("--out", type=Path, default=RESULTS, help="default: bench/results")
    parser.add_argument("--only", nargs="*", help="mode keys (default: all)")
    parser.add_argument("--latencies", type=int, nargs="*", help="mail latencies, ms (debugging)")
    parser.add_argument("--concurrencies", type=int, nargs="*", help="clients (debugging)")
    parser.add_argument("--seconds", type=float, help="seconds of load per cell (debugging)")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="with --durability: the demo's database (postgres: an embedded one, no root)",
    )
    args = parser.parse_args(argv)
    grid = QUICK if args.quick else FULL
    if args.durability:
        grid, args.only = DURABILITY, args.only or DURABILITY_MODES
    if args.latencies or args.concurrencies or args.seconds:  # never the committed name
        grid = replace(
            grid,
            name="debug",
            latencies_ms=tuple(args.latencies or grid.latencies_ms),
            concurrencies=tuple(args.concurrencies or grid.concurrencies),
            duration=args.seconds or grid.duration,
        )
    if args.database == "sqlite":
        run(grid, args.out, args.only)
        return 0
    if not args.durability:
        parser.error("--database postgres goes with --durability")
    from guide.live.postgres import EmbeddedPostgres

    grid = replace(grid, name=f"{grid.name}-postgres")
    with (
        tempfile.TemporaryDirectory(prefix="bench-postgres-") as tmp,
        EmbeddedPostgres(Path(tmp)) as server,
    ):
        databases = iter(range(1, 1000))
        modes.database = lambda: {"DATABASE_URL": server.create_database(f"bench{next(databases)}")}
        run(grid, args.out, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
