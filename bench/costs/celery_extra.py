"""What only the Celery mode measures: enqueue cost, throughput, and a worker SIGKILLed.

- enqueue: `send_task` timed in this process against the stack's Redis (a database nobody
  consumes), which is what the demo's `send_to_celery` does after each response;
- throughput and SIGKILL, in one batch: TASKS registrations (each a welcome email and an
  audit task) through the stack's 2 workers, mail server at 0 ms. Once a quarter of the
  emails are in, worker w1 and its pool processes are SIGKILLed: emails per second before
  that (both workers) and over the whole batch. Once Redis holds no message (queued or
  unacknowledged), every accepted registration's emails are counted: lost (none arrived)
  and duplicated (more than one).

Beat runs during the batch, as `make worker` runs it. A worker SIGKILLed right after Redis
handed it a message (BRPOP removes it; the worker then records it as unacknowledged, not
in the same step) loses that message: no visibility timeout brings it back. Its run stays
`queued`, and beat's `recover_runs` sweep sends it again. `resent` counts the runs the
sweep sent.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import threading
import time

import redis

from bench.costs.load import Deliveries, Target, clients
from guide.live.celery import CeleryBeat, children
from guide.live.process import kill_all


def enqueue_ms(redis_url: str, count: int) -> dict:
    from celery import Celery

    app = Celery("bench", broker=redis_url)
    app.send_task("bench.noop", args=["warm-up"])  # the connection, before timing
    times = []
    for n in range(count):
        started = time.perf_counter()
        app.send_task("bench.noop", args=[f"run-{n}"])
        times.append((time.perf_counter() - started) * 1000)
    app.close()
    return {"n": count, "p50": statistics.median(times), "max": max(times)}


def queue_empty(redis_url: str, timeout: float) -> bool:
    """No message waiting or unacknowledged: nothing can be delivered again."""
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if client.llen("celery") == 0 and client.hlen("unacked") == 0:
                return True
            time.sleep(0.1)
        return False
    finally:
        client.close()


def kill_worker(worker) -> list[int]:
    victims = [worker.process.pid, *children(worker.process.pid)]
    kill_all(victims)
    worker.process.wait(10)
    return victims


RESENT = re.compile(r"recover_runs: (\d+) runs sent again")


def batch(target: Target, deliveries: Deliveries, prefix: str, tasks: int, kill_at: int):
    stack = target.stack
    with CeleryBeat(stack.app.workdir / "bench-beat-schedule", env=stack.app.server.env) as beat:
        result = run_batch(target, deliveries, prefix, tasks, kill_at)
    output = "\n".join([stack.worker_output(), beat.output()])
    return result | {"resent": sum(int(n) for n in RESENT.findall(output))}


def run_batch(target: Target, deliveries: Deliveries, prefix: str, tasks: int, kill_at: int):
    stack = target.stack
    killed: list[int] = []
    at_kill: list[float] = []

    def killer() -> None:
        while deliveries.count(prefix) < kill_at:
            time.sleep(0.01)
        at_kill.append(time.perf_counter() - began)
        killed.extend(kill_worker(stack.workers[0]))

    thread = threading.Thread(target=killer, daemon=True)
    began = time.perf_counter()
    thread.start()
    sent, wall = asyncio.run(clients(target, prefix, 10, 600, tasks))
    in_time = deliveries.wait_for(sent.accepted, 120)
    delivered_in = time.perf_counter() - began
    thread.join(60)
    settled = queue_empty(stack.redis_url, 60)
    count = lambda e: len(deliveries.times.get(e, []))  # noqa: E731
    return {
        "tasks": len(sent.accepted),
        "errors": len(sent.latencies) - len(sent.accepted),
        "enqueued_in_s": wall,
        "all_delivered_in_s": delivered_in,
        "all_delivered": in_time,
        "emails_per_s": len(sent.accepted) / delivered_in,
        "killed_pids": killed,
        "killed_after_s": at_kill[0] if at_kill else None,
        "emails_per_s_before_kill": kill_at / at_kill[0] if at_kill else None,
        "queue_settled": settled,
        "lost": sum(1 for e in sent.accepted if count(e) == 0),
        "duplicated": sum(count(e) - 1 for e in sent.accepted if count(e) > 1),
    }


def run(target: Target, sink, deliveries: Deliveries, tasks: int) -> dict:
    stack = target.stack
    sink.delay = 0.0
    base, _, db = stack.redis_url.rpartition("/")
    result = {
        "workers": len(stack.workers),
        "enqueue_ms": enqueue_ms(f"{base}/{int(db) + 8}", 200),
        "batch": batch(target, deliveries, "kill", tasks, max(1, tasks // 4)),
    }
    return result
