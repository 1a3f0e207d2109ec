"""`def` code takes a token of AnyIO's default limiter (40) and runs in a thread made on demand."""

import os
import threading
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse

held: dict[str, threading.Event] = {}  # name -> set to let that call finish


def hold(name: str) -> None:
    """Blocking work that lasts until POST /release/{name}."""
    held[name] = threading.Event()
    # One write per line: print() writes the text and the newline separately, and calls
    # starting in several threads at once would interleave them into one line.
    print(f"{name}: holding a thread\n", end="", flush=True)
    held[name].wait(30)


# --8<-- [start:size]
@asynccontextmanager
async def lifespan(app: FastAPI):
    limiter = anyio.to_thread.current_default_thread_limiter()  # this event loop's
    limiter.total_tokens = int(os.getenv("THREAD_TOKENS", "40"))  # 40 is AnyIO's default
    app.state.hashing = anyio.CapacityLimiter(2)  # its own limit, not the shared one
    yield


# --8<-- [end:size]

app = FastAPI(lifespan=lifespan)


def worker_threads() -> int:
    return sum(t.name == "AnyIO worker thread" for t in threading.enumerate())


@app.get("/limiter")
async def limiter_now():
    default = anyio.to_thread.current_default_thread_limiter().statistics()
    return {
        "total_tokens": default.total_tokens,
        "borrowed_tokens": default.borrowed_tokens,
        "tasks_waiting": default.tasks_waiting,
        "worker_threads": worker_threads(),
        "hashing_borrowed": app.state.hashing.statistics().borrowed_tokens,
    }


@app.post("/release/{name}")
async def release(name: str):
    held[name].set()
    return {"released": name}


@app.get("/blocking/{name}")
def blocking(name: str):  # a def endpoint: a token and a thread while it runs
    hold(name)
    return {"done": name}


def report_file(name: str):  # a def dependency with yield: its setup holds a token
    hold(name)
    yield name


@app.get("/reports/{name}")
async def report(opened: str = Depends(report_file)):
    return {"done": opened}


def rows(name: str):  # a def iterator: each next() runs in a thread, with a token
    hold(name)
    yield f"{name}: row 1\n"


@app.get("/exports/{name}")
async def export(name: str):
    return StreamingResponse(rows(name), media_type="text/plain")


# --8<-- [start:own_limiter]
@app.get("/hashes/{name}")
async def hash_it(name: str):  # CPU-heavy work on a limiter of its own
    await anyio.to_thread.run_sync(hold, name, limiter=app.state.hashing)
    return {"done": name}


# --8<-- [end:own_limiter]
