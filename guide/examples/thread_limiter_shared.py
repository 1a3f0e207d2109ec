"""Much more than `def` endpoints takes a token of AnyIO's default thread limiter.

With the limit lowered to one token, held by one blocking `def` endpoint, each route
below waits for that token; `asyncio.to_thread` does not (it uses the loop's executor)."""

import asyncio
import os
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import BackgroundTasks, Depends, FastAPI, UploadFile
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__)
release = threading.Event()


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Demo only: one token (AnyIO's default is 40) so that one blocking call holds them all.
    anyio.to_thread.current_default_thread_limiter().total_tokens = int(os.getenv("TOKENS", "1"))
    yield


app = FastAPI(lifespan=lifespan)


@app.post("/hold")
def hold():  # a def endpoint: holds a token (and its thread) until POST /release
    release.clear()
    release.wait(30)
    return {"held": True}


@app.post("/release")
async def free():
    release.set()
    return {"released": True}


@app.get("/limiter")
async def limiter():
    stats = anyio.to_thread.current_default_thread_limiter().statistics()
    return {"borrowed": stats.borrowed_tokens, "waiting": stats.tasks_waiting}


def session():  # a sync yield dependency: its setup and teardown run in worker threads
    yield "session"


@app.get("/sync-yield-dependency")
async def with_sync_dependency(value: Annotated[str, Depends(session)]):
    return {"ok": value}


@app.get("/open-file")
async def open_file():
    async with await anyio.open_file(HERE) as file:  # open and read in a worker thread
        return {"ok": (await file.readline()).strip()}


@app.get("/path")
async def path():
    return {"ok": len(await anyio.Path(HERE).read_text())}


@app.get("/sync-stream")
async def sync_stream():
    return StreamingResponse(iter(["a sync iterator, ", "read in a worker thread\n"]))


@app.post("/upload")
async def upload(file: UploadFile):  # past 1 MiB the spooled file is on disk: reads in threads
    return {"ok": len(await file.read())}


@app.get("/file")
async def file():
    return FileResponse(HERE)  # its stat, and its reads (anyio.open_file), in worker threads


app.mount("/static", StaticFiles(directory=HERE.parent))  # each look-up in a worker thread


@app.get("/to-thread")
async def to_thread():
    return {"ok": await anyio.to_thread.run_sync(len, "argon2, say")}


def audit(entry: str) -> None:  # a def task
    print(f"audit: {entry}", flush=True)


@app.post("/def-task")
async def def_task(background_tasks: BackgroundTasks):
    background_tasks.add_task(audit, "def task ran")
    return {"ok": True}


@app.get("/asyncio-to-thread")
async def asyncio_to_thread():
    return {"ok": await asyncio.to_thread(len, "not limited")}  # the loop's executor


# asyncio.to_thread has a cap of its own: the loop's default executor's worker count
gate = threading.Event()
inside: list[int] = []  # one entry per call now inside the executor


def wait_at_gate() -> None:
    inside.append(1)
    try:
        gate.wait(30)
    finally:
        inside.pop()


@app.post("/asyncio-to-thread/hold")
async def asyncio_to_thread_hold():
    await asyncio.to_thread(wait_at_gate)
    return {"held": True}


@app.get("/asyncio-to-thread/inside")
async def asyncio_to_thread_inside():
    return {"inside": len(inside)}


@app.post("/asyncio-to-thread/open")
async def asyncio_to_thread_open():
    gate.set()
    return {"opened": True}
