"""A crowd of registrations, with the default argon2 cost: does the rest of the app still answer?

A real uvicorn serves the demo app (`guide.live.demo_stack`) with the default argon2 cost
(64 MiB and 3 passes per hash) and a mail server that waits 1 s before taking each
message. One user registers and logs in; then CROWD registrations are sent at once while a
second client asks GET /api/v1/users/me (an unrelated authenticated endpoint) every 50 ms,
timing each answer. The uvicorn process's memory is read from /proc (VmRSS while it runs,
VmHWM for the peak). Rate limits are raised for the run: it measures the hashing, not the
429s. A benchmark: it prints figures and asserts nothing.

    .venv/bin/python bench/auth_load.py                        # about 30 s on 2 cores
    .venv/bin/python bench/auth_load.py --hashing-threads 40   # as before: AnyIO's pool size
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
GOAL_MS, GOAL_MB = 250, 600  # the goals for GET /users/me and the server's memory


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of a process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return f"median {statistics.median(ms):6.1f}   p95 {p95:6.1f}   max {ms[-1]:6.1f} ms"


async def crowd(url: str, count: int, password: str) -> tuple[list[float], list[int]]:
    async def one(client: httpx.AsyncClient, n: int) -> tuple[float, int]:
        payload = {"username": f"crowd{n}", "email": f"crowd{n}@example.com"}
        started = time.perf_counter()
        response = await client.post("/api/v1/auth/register", json=payload | {"password": password})
        return (time.perf_counter() - started) * 1000, response.status_code

    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        results = await asyncio.gather(*(one(client, n) for n in range(count)))
    return [ms for ms, _ in results], [status for _, status in results]


def probe(url: str, token: str, stop: threading.Event, times: list[float]) -> None:
    """GET /users/me every 50 ms on one keep-alive connection, until `stop`."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get("/api/v1/users/me").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            stop.wait(0.05)


def sample_rss(pid: int, stop: threading.Event, samples: list[float]) -> None:
    while not stop.is_set():
        samples.append(memory_mb(pid, "VmRSS"))
        stop.wait(0.02)


def run(count: int, hashing_threads: int | None, mail_delay: float) -> None:
    from guide.live import PASSWORD, demo_stack

    env = {
        "RATE_LIMIT_REGISTER_PER_IP": "100000/minute",
        "RATE_LIMIT_LOGIN_PER_IP": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    if hashing_threads:
        env["HASHING_THREADS"] = str(hashing_threads)
    with demo_stack(env, args=["--no-access-log"]) as stack:
        assert stack.server.process is not None
        pid = stack.server.process.pid
        with httpx.Client(base_url=stack.url, timeout=60) as client:
            me = {"username": "prober", "email": "prober@example.com", "password": PASSWORD}
            client.post("/api/v1/auth/register", json=me).raise_for_status()
            login = {"username": "prober", "password": PASSWORD}
            token = client.post("/api/v1/auth/login", data=login).raise_for_status().json()
            for _ in range(20):  # warm up the probe's path
                client.get(
                    "/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
                ).raise_for_status()
        stack.mail.wait_for(1, timeout=10)
        stack.mail.delay = mail_delay
        idle_rss = memory_mb(pid, "VmRSS")

        stop = threading.Event()
        probe_times: list[float] = []
        rss: list[float] = []
        workers = [
            threading.Thread(
                target=probe, args=(stack.url, token["access_token"], stop, probe_times)
            ),
            threading.Thread(target=sample_rss, args=(pid, stop, rss)),
        ]
        for worker in workers:
            worker.start()
        time.sleep(0.3)  # the probe's baseline, before the crowd
        baseline = len(probe_times)
        started = time.perf_counter()
        register_ms, statuses = asyncio.run(crowd(stack.url, count, PASSWORD))
        answered = time.perf_counter() - started
        stack.mail.wait_for(count + 1, timeout=count * mail_delay + 60)
        emailed = time.perf_counter() - started
        stop.set()
        for worker in workers:
            worker.join()
        peak = memory_mb(pid, "VmHWM")

    threads = hashing_threads or f"{os.cpu_count()} (the core count, the default)"
    during = probe_times[baseline:]
    print(f"\n{count} registrations at once, default argon2, mail server waits {mail_delay} s,")
    print(f"hashing threads: {threads}")
    print(f"  statuses            {sorted(set(statuses))} ({statuses.count(201)} x 201)")
    print(f"  registration        {percentiles(register_ms)}")
    print(f"  all answered in     {answered:6.2f} s; all {count} welcome emails in {emailed:.2f} s")
    print(f"  GET /users/me idle  {percentiles(probe_times[:baseline])}")
    print(f"  GET /users/me busy  {percentiles(during)}  ({len(during)} requests)")
    print(
        f"  server RSS          idle {idle_rss:.0f} MB, peak sampled {max(rss):.0f} MB, "
        f"peak (VmHWM) {peak:.0f} MB"
    )
    worst = max(during)
    print(
        f"  goal: /users/me < {GOAL_MS} ms: {'met' if worst < GOAL_MS else 'NOT met'} "
        f"(max {worst:.0f} ms); peak < {GOAL_MB} MB: {'met' if peak < GOAL_MB else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crowd", type=int, default=60, help="registrations at once (60)")
    parser.add_argument("--hashing-threads", type=int, default=None, help="default: cores")
    parser.add_argument("--mail-delay", type=float, default=1.0, help="seconds per email (1)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # guide.live, when run from a checkout without install
    print(f"{sys.executable}, {os.cpu_count()} cores")
    run(args.crowd, args.hashing_threads, args.mail_delay)


if __name__ == "__main__":
    main()
