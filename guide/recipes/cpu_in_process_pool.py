"""How do I run CPU-heavy work after the response without slowing the server down?

Send it to a process pool that the lifespan owns, with `loop.run_in_executor`. In an
`async def` task, CPU work freezes the event loop; in a `def` task it holds one of
AnyIO's 40 thread tokens and, in one process, competes for the GIL with every request.
A pool of processes uses other cores, and its workers are reused across requests.

Measured (real uvicorn): while a CPU-bound task runs in the pool (in another process),
`GET /health` answers within a fraction of a second and reports no thread token in use.
"""

import asyncio
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import BackgroundTasks, FastAPI


def stretch(secret: bytes, rounds: int) -> tuple[str, int]:  # runs in a pool process
    digest = secret
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex(), os.getpid()


@asynccontextmanager
async def lifespan(app: FastAPI):
    spawn = multiprocessing.get_context("spawn")  # fork copies the server's threads
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        app.state.pool = pool
        yield


app = FastAPI(lifespan=lifespan)


async def derive_key(secret: bytes, rounds: int) -> None:
    loop = asyncio.get_running_loop()
    digest, pid = await loop.run_in_executor(app.state.pool, stretch, secret, rounds)
    print(f"key {digest[:12]} derived in process {pid}, served by {os.getpid()}", flush=True)


@app.post("/keys")
async def create_key(rounds: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(derive_key, b"secret", rounds)
    return {"rounds": rounds}


@app.get("/health")
async def health():
    return {"thread_tokens_in_use": to_thread.current_default_thread_limiter().borrowed_tokens}
