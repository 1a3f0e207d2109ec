"""Does an endpoint with background tasks answer as fast as one without?

A tiny app (in this file) has GET /plain, which returns JSON, and GET /with-task, which
returns the same JSON and adds two background tasks: one that sleeps 50 ms with
asyncio.sleep, one trivial `def` (run in the thread pool). A real uvicorn serves it; the
client times each request until its response is complete: first one request at a time,
then CONCURRENCY at once. Then the demo app: how long registration takes to answer,
next to how long its welcome email takes to arrive. A benchmark: it asserts nothing.

    .venv/bin/python bench/endpoint_overhead.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from fastapi import BackgroundTasks, FastAPI

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CONCURRENCY = 20
PATHS = ("/plain", "/with-task")
ROUNDS = 5

app = FastAPI()


async def sleep_50_ms() -> None:
    await asyncio.sleep(0.05)


def trivial() -> int:
    return 1 + 1


@app.get("/plain")
async def plain() -> dict[str, bool]:
    return {"ok": True}


@app.get("/with-task")
async def with_task(background_tasks: BackgroundTasks) -> dict[str, bool]:
    background_tasks.add_task(sleep_50_ms)
    background_tasks.add_task(trivial)
    return {"ok": True}


def summary(seconds: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), statistics.quantiles(ms, n=20, method="inclusive")[18]


def report(title: str, times: dict[str, list[float]], walls: dict[str, float]) -> None:
    """Each endpoint's median and p95, requests per second, and the with-task/plain ratios."""
    print(f"\n{title}")
    stats = {path: summary(times[path]) for path in PATHS}
    for path, (median, p95) in stats.items():
        rate = len(times[path]) / walls[path]
        print(f"  {path:<12} median {median:6.2f} ms   p95 {p95:6.2f} ms   {rate:6.0f} req/s")
    (plain_median, plain_p95), (task_median, task_p95) = stats.values()
    ratios = f"median {task_median / plain_median:.2f}   p95 {task_p95 / plain_p95:.2f}"
    print(f"  with-task / plain:  {ratios}")


def sequential(url: str, requests: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """One request at a time on a keep-alive connection, the two endpoints alternating."""
    import httpx

    times: dict[str, list[float]] = {path: [] for path in PATHS}
    with httpx.Client(base_url=url) as client:
        for _ in range(50):  # warm-up: connection, imports, first-call caches
            for path in times:
                client.get(path).raise_for_status()
        for _ in range(requests):
            for path in times:
                started = time.perf_counter()
                client.get(path).raise_for_status()
                times[path].append(time.perf_counter() - started)
    return times, {path: sum(times[path]) for path in times}


async def concurrent(url: str, path: str, requests: int) -> tuple[list[float], float]:
    """CONCURRENCY clients at once, `requests` requests in all; and the time they took.

    One AsyncClient (one keep-alive connection) per worker: a single client shared by 20
    workers measures httpcore's connection pool more than the server (3x fewer req/s here).
    """
    import httpx

    times: list[float] = []

    async def worker(client: httpx.AsyncClient, count: int) -> None:
        for _ in range(count):
            started = time.perf_counter()
            (await client.get(path)).raise_for_status()
            times.append(time.perf_counter() - started)

    clients = [httpx.AsyncClient(base_url=url) for _ in range(CONCURRENCY)]
    await asyncio.gather(*(worker(client, 5) for client in clients))  # warm-up
    times.clear()
    began = time.perf_counter()
    await asyncio.gather(*(worker(client, requests // CONCURRENCY) for client in clients))
    wall = time.perf_counter() - began
    await asyncio.gather(*(client.aclose() for client in clients))
    return times, wall


async def rounds(url: str, requests: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """`concurrent` in ROUNDS rounds, the endpoints taking turns, so that a change in the
    machine's load (a shared machine) falls on both alike."""
    times: dict[str, list[float]] = {path: [] for path in PATHS}
    walls = dict.fromkeys(PATHS, 0.0)
    for _ in range(ROUNDS):
        for path in PATHS:
            some, wall = await concurrent(url, path, requests // ROUNDS)
            times[path] += some
            walls[path] += wall
    return times, walls


def demo_registration(users: int) -> None:
    """The demo app's registration: its response time, and when its welcome email arrives."""
    import httpx

    from guide.live import FAST_HASHING, PASSWORD, demo_stack

    answered, emailed = [], []
    # Cheap Argon2, as in the tour: the hash is not what this measures.
    with demo_stack(FAST_HASHING) as stack, httpx.Client(base_url=stack.url) as client:
        for number in range(users + 3):  # the first 3 warm up
            user = {"username": f"user{number}", "email": f"user{number}@example.com"}
            user["password"] = PASSWORD
            started = time.perf_counter()
            client.post("/api/v1/auth/register", json=user).raise_for_status()
            answered.append(time.perf_counter() - started)
            stack.mail.wait_for(number + 1, timeout=10)
            emailed.append(time.perf_counter() - started)
            stack.server.wait_for_line(f"User 'user{number}' performed action 'REGISTER'", 10)
    print(f"\nDemo app, POST /api/v1/auth/register ({users} users, one at a time)")
    for name, times in (("response", answered[3:]), ("email", emailed[3:])):
        median, p95 = summary(times)
        print(f"  {name:<12} median {median:6.2f} ms   p95 {p95:6.2f} ms")
    print("  (each time from sending the request; the email is sent by a background task)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint (default 1000)")
    parser.add_argument("--users", type=int, default=30, help="demo registrations (default 30)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # guide.live, when run from a checkout without install
    from guide.live import LiveServer

    print(f"{sys.executable}, {args.requests} requests per endpoint")
    began = time.perf_counter()
    with LiveServer("endpoint_overhead:app", cwd=BENCH, args=["--no-access-log"]) as server:
        report("One request at a time (keep-alive)", *sequential(server.url, args.requests))
        report(f"{CONCURRENCY} concurrent clients", *asyncio.run(rounds(server.url, args.requests)))
    demo_registration(args.users)
    print(f"\n{time.perf_counter() - began:.1f} s in all")


if __name__ == "__main__":
    main()
