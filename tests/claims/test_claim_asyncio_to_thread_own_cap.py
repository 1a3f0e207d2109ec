"""`asyncio.to_thread` is outside AnyIO's 40 tokens, but it has a cap of its own, and a
smaller one on small machines: it runs in the event loop's default executor, a
`ThreadPoolExecutor` of `min(32, CPU count + 4)` threads (6 on 2 cores). More blocking
calls than that at once queue for a thread."""

import os

import anyio
import httpx

from guide.examples import thread_limiter_shared as example

CLAIM = "asyncio-to-thread-own-cap"
CAP = min(32, (os.cpu_count() or 1) + 4)  # CPython's ThreadPoolExecutor default


async def inside_until(http: httpx.AsyncClient, count: int) -> None:
    """Poll until `count` calls are inside the executor (a condition, not a sleep)."""
    with anyio.fail_after(10):
        while True:
            if (await http.get("/asyncio-to-thread/inside")).json()["inside"] == count:
                return
            await anyio.sleep(0.01)


async def test_asyncio_to_thread_runs_at_most_cap_calls_at_once(client):
    example.gate.clear()
    async with anyio.create_task_group() as group:
        for _ in range(CAP + 3):
            group.start_soon(client.post, "/asyncio-to-thread/hold")
        await inside_until(client, CAP)  # a thread each, up to the cap...
        await anyio.sleep(0.3)
        inside = (await client.get("/asyncio-to-thread/inside")).json()["inside"]
        assert inside == CAP, f"{inside} calls at once, the cap is {CAP}"  # ...3 wait
        tokens = (await client.get("/limiter")).json()
        assert tokens["borrowed"] == 0  # none of AnyIO's tokens taken
        await client.post("/asyncio-to-thread/open")
    await inside_until(client, 0)  # every call ran once a thread was free
    print(f"{CAP} calls ran at once, on {os.cpu_count()} CPUs")
