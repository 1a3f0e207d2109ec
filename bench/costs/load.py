"""One cell of the grid: CONCURRENCY clients for a while, and what it cost.

Each client has its own keep-alive connection and sends registrations one after another
(a new username each) until the cell's time or request count is used up. Meanwhile a
probe asks each unrelated endpoint every 50 ms, and a sampler reads the server processes'
memory. Then it waits for the emails of every accepted request (the sink notes when each
arrives), and reads the processes' CPU time.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from demo_app.platform.mailbox import ReceivedMail
from guide.live.process import stat_of

PROBE_EVERY = 0.05  # seconds between two probe requests
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """A running way of sending: where to post, what to probe, which processes to watch."""

    url: str
    path: str
    probes: dict[str, str]  # name -> GET path of an unrelated endpoint
    processes: Callable[[], dict[str, list[int]]]  # "server", "workers" -> pids
    body: Callable[[str], dict] = lambda name: {"username": name, "email": f"{name}@example.com"}
    stack: Any = None  # the harness's stack, for what only one mode measures (Celery)
    emails: bool = True  # False: the baseline route, which sends none


class Deliveries:
    """When each recipient's emails reached the sink (`on_message` of `MailSink`)."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self._changed = threading.Condition()

    def __call__(self, mail: ReceivedMail) -> None:
        now = time.perf_counter()
        with self._changed:
            for recipient in mail.rcpt_tos:
                self.times[recipient].append(now)
            self._changed.notify_all()

    def count(self, prefix: str) -> int:
        with self._changed:
            return sum(1 for recipient in self.times if recipient.startswith(prefix))

    def wait_for(self, recipients: list[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(self.times.get(r) for r in recipients):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
            return True


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summary(ms: list[float]) -> dict[str, float | int | None]:
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else None,
    }


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        if fields := stat_of(pid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def sample_memory(groups: dict[str, list[int]], stop: threading.Event, peaks: dict) -> None:
    while not stop.is_set():
        for name, pids in groups.items():
            peaks[name] = max(peaks.get(name, 0.0), rss_mb(pids))
        stop.wait(0.05)


def probe(url: str, path: str, stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(path)  # a 503 (the demo's /health under load) is timed like a 200
            times.append((time.perf_counter() - started) * 1000)
            stop.wait(PROBE_EVERY)


@dataclass
class Sent:
    started: dict[str, float] = field(default_factory=dict)  # email -> when sent
    latencies: list[float] = field(default_factory=list)  # ms, whole response
    statuses: list[int] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # emails of 2xx requests


async def clients(
    target: Target, prefix: str, concurrency: int, duration: float, limit: int
) -> tuple[Sent, float]:
    """`concurrency` clients until `duration` seconds or `limit` requests; and the wall time."""
    sent = Sent()
    numbers = itertools.count()
    warm = next(iter(target.probes.values()))

    async def client(http: httpx.AsyncClient, deadline: float) -> None:
        while time.perf_counter() < deadline and (n := next(numbers)) < limit:
            body = target.body(f"{prefix}{n}")
            started = time.perf_counter()
            sent.started[body["email"]] = started
            try:
                response = await http.post(target.path, json=body)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            sent.latencies.append((time.perf_counter() - started) * 1000)
            sent.statuses.append(status)
            if 200 <= status < 300:
                sent.accepted.append(body["email"])

    https = [httpx.AsyncClient(base_url=target.url, timeout=180) for _ in range(concurrency)]
    await asyncio.gather(*(http.get(warm) for http in https))  # open every connection
    began = time.perf_counter()
    await asyncio.gather(*(client(http, began + duration) for http in https))
    wall = time.perf_counter() - began
    await asyncio.gather(*(http.aclose() for http in https))
    return sent, wall


def run_cell(
    target: Target,
    deliveries: Deliveries,
    *,
    prefix: str,
    concurrency: int,
    duration: float,
    limit: int,
    drain: float,
) -> dict:
    """Load the target, wait up to `drain` s for the emails; every figure of the cell."""
    groups = target.processes()
    cpu_before = {name: cpu_seconds(pids) for name, pids in groups.items()}
    stop, peaks = threading.Event(), dict[str, float]()
    probe_times: dict[str, list[float]] = {name: [] for name in target.probes}
    threads = [threading.Thread(target=sample_memory, args=(groups, stop, peaks))]
    threads += [
        threading.Thread(target=probe, args=(target.url, path, stop, probe_times[name]))
        for name, path in target.probes.items()
    ]
    for thread in threads:
        thread.start()
    try:
        sent, wall = asyncio.run(clients(target, prefix, concurrency, duration, limit))
    finally:
        stop.set()
        for thread in threads[1:]:
            thread.join()
    drained_at = time.perf_counter()
    expected = sent.accepted if target.emails else []
    all_in = deliveries.wait_for(expected, drain)
    drain_s = time.perf_counter() - drained_at
    threads[0].join()
    # the sampler stopped with the load; one more look covers the drain
    for name, pids in groups.items():
        peaks[name] = max(peaks.get(name, 0.0), rss_mb(pids))
    cpu = {name: cpu_seconds(pids) - cpu_before[name] for name, pids in groups.items()}
    got = deliveries.times
    delivered = [got[e][0] - sent.started[e] for e in expected if e in got]
    return {
        "concurrency": concurrency,
        "requests": len(sent.latencies),
        "errors": sum(1 for s in sent.statuses if not 200 <= s < 300),
        "load_seconds": wall,
        "drain_seconds": drain_s,
        "all_delivered": all_in,
        "req_per_s": len(sent.latencies) / wall if wall else None,
        "response_ms": summary(sent.latencies),
        "delivery_ms": summary([s * 1000 for s in delivered]),
        "probe_ms": {name: summary(times) for name, times in probe_times.items()},
        "lost": sum(1 for e in expected if not got.get(e)),
        "duplicated": sum(len(got[e]) - 1 for e in expected if e in got),
        "cpu_seconds": cpu,
        "cpu_percent": {name: 100 * s / (wall + drain_s) for name, s in cpu.items()},
        "peak_rss_mb": peaks,
    }
