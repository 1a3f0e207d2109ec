import re
import time

import httpx
import pytest

from guide.live import LiveServer

pytestmark = pytest.mark.live
ROUNDS = 3_000_000  # about 1.5 s of hashing on one core, more under load


def test_the_server_stays_responsive_while_the_pool_works():
    with LiveServer("guide.recipes.cpu_in_process_pool:app") as server, httpx.Client() as client:
        for _ in range(2):  # start the pool's two worker processes
            client.post(f"{server.url}/keys", params={"rounds": 1000})
        warm_up = server.wait_for_lines("derived in process", 2, timeout=30)
        client.get(f"{server.url}/health")  # a route's first call is slower: not measured
        start = len(server.lines)

        client.post(f"{server.url}/keys", params={"rounds": ROUNDS})
        latencies, tokens = [], []
        for _ in range(8):
            time.sleep(0.1)
            asked = time.monotonic()
            health = client.get(f"{server.url}/health").json()
            latencies.append(time.monotonic() - asked)
            tokens.append(health["thread_tokens_in_use"])
        still_working = not any("derived in process" in line for line in server.lines[start:])
        line = server.wait_for_line("derived in process", timeout=60, start=start)

    assert still_working, "the work ended before the pings: raise ROUNDS"
    worker, server_pid = map(int, re.search(r"in process (\d+), served by (\d+)", line).groups())
    assert worker != server_pid
    assert worker in {int(re.search(r"in process (\d+)", line)[1]) for line in warm_up}  # reused
    assert max(latencies) < 0.5, latencies
    assert tokens == [0] * 8
    print("/health during the work (ms):", [round(s * 1000) for s in latencies])
