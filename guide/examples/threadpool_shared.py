"""`def` tasks and `def` endpoints take their threads from one shared pool."""

import os
import time
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "2"))
THREADS = int(os.getenv("THREADS", "4"))


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Demo only: AnyIO's limiter has 40 tokens; 4 lets a handful of requests take them all.
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


app = FastAPI(lifespan=lifespan)


def resize_image(name: str) -> None:
    time.sleep(TASK_SECONDS)
    print(f"{name}: resized\n", end="", flush=True)  # one write: tasks end together


@app.post("/images/{name}")
async def upload_image(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(resize_image, name)
    return {"image": name}


@app.get("/pool")
async def pool():  # an `async def` endpoint needs no thread
    limiter = anyio.to_thread.current_default_thread_limiter()
    return {"threads": limiter.total_tokens, "busy": limiter.borrowed_tokens}


@app.get("/sync-ping")
def sync_ping():  # a `def` endpoint waits for a thread from the same pool
    return {"ping": "pong"}
