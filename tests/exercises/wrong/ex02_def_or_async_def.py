"""Exercise 2, wrong: the blocking call swapped for an await, so no photo is resized."""

import asyncio
import os
import time

from fastapi import BackgroundTasks, FastAPI

RESIZE_SECONDS = float(os.getenv("RESIZE_SECONDS", "1"))

app = FastAPI()


def blocking_resize(name: str) -> None:  # leave as it is: a library with nothing to await
    time.sleep(RESIZE_SECONDS)
    print(f"{name}: resized", flush=True)


# YOUR TURN: while this task resizes, the server answers nobody: try GET /ping meanwhile.
# Keep the blocking call, and choose the kind of function that FastAPI runs where
# blocking cannot hold the event loop.
async def resize_photo(name: str) -> None:
    print(f"{name}: resizing", flush=True)
    await asyncio.sleep(RESIZE_SECONDS)  # the server stays free, and no resize ever happens


@app.post("/photos/{name}")
async def upload_photo(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(resize_photo, name)
    return {"photo": name}


@app.get("/ping")
async def ping():
    return {"ping": "pong"}
