"""AnyIO's default thread limiter is taken by much more than `def` endpoints: a sync
`yield` dependency, `anyio.open_file`, `anyio.Path`, a sync iterator given to
`StreamingResponse`, a `FileResponse` (its stat and its reads), a `StaticFiles` look-up,
an `UploadFile` once its spooled file has rolled over to disk (past 1 MiB; a small one
stays in memory and takes none), any `anyio.to_thread.run_sync` call, and `def`
background tasks all wait for one of its tokens when none is free. `asyncio.to_thread`
does not: it runs in the event loop's default executor, outside that limit."""

import functools

import anyio
import httpx
import pytest

CLAIM = "thread-limiter-shared"
BIG_UPLOAD = {"files": {"file": ("big.bin", b"x" * (2 * 1024 * 1024))}}  # past 1 MiB: disk
WAITING_ROUTES = [
    ("GET", "/sync-yield-dependency"),
    ("GET", "/file"),
    ("GET", "/static/thread_limiter_shared.py"),
    ("GET", "/open-file"),
    ("GET", "/path"),
    ("GET", "/sync-stream"),
    ("GET", "/to-thread"),
    ("POST", "/def-task"),
]


async def limiter_until(client: httpx.AsyncClient, **expected: int) -> None:
    """Poll the limiter's statistics until they read `expected` (a condition, not a sleep)."""
    with anyio.fail_after(10):
        while True:
            stats = (await client.get("/limiter")).json()
            if all(stats[key] == value for key, value in expected.items()):
                return
            await anyio.sleep(0.01)


async def request_while_the_token_is_held(client, method: str, path: str, *, waits: bool, **kwargs):
    results: dict[str, httpx.Response] = {}
    probed = anyio.Event()

    async def call(name: str, method: str, path: str, **kwargs) -> None:
        results[name] = await client.request(method, path, **kwargs)
        if name == "probe":
            probed.set()

    async with anyio.create_task_group() as group:
        group.start_soon(call, "hold", "POST", "/hold")
        await limiter_until(client, borrowed=1)  # the one token is taken
        group.start_soon(functools.partial(call, "probe", method, path, **kwargs))
        if waits:
            await limiter_until(client, waiting=1)  # the probe queues for the token
            assert "probe" not in results
        else:
            with anyio.fail_after(10):
                await probed.wait()  # done while the token is still held
            assert (await client.get("/limiter")).json() == {"borrowed": 1, "waiting": 0}
        await client.post("/release")
    return results


@pytest.mark.parametrize(("method", "path"), WAITING_ROUTES, ids=lambda value: value)
async def test_it_waits_for_a_token_of_the_shared_limiter(client, method, path):
    results = await request_while_the_token_is_held(client, method, path, waits=True)
    assert results["probe"].status_code == 200  # and ran once the token was free
    assert results["hold"].json() == {"held": True}


async def test_asyncio_to_thread_is_outside_the_limit(client):
    results = await request_while_the_token_is_held(
        client, "GET", "/asyncio-to-thread", waits=False
    )
    assert results["probe"].json() == {"ok": len("not limited")}


async def test_an_upload_on_disk_waits_for_a_token_and_a_small_one_does_not(client):
    big = await request_while_the_token_is_held(client, "POST", "/upload", waits=True, **BIG_UPLOAD)
    assert big["probe"].json() == {"ok": 2 * 1024 * 1024}
    small = {"files": {"file": ("small.txt", b"in memory")}}
    results = await request_while_the_token_is_held(client, "POST", "/upload", waits=False, **small)
    assert results["probe"].json() == {"ok": len(b"in memory")}
