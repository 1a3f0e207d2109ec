"""uvicorn puts no time limit on a background task, and keeps serving the same connection."""

import asyncio
import os

from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "40"))

app = FastAPI()


async def rebuild_index(name: str) -> None:
    print(f"index {name}: started", flush=True)
    await asyncio.sleep(TASK_SECONDS)
    print(f"index {name}: done after {TASK_SECONDS:g}s", flush=True)


@app.post("/indexes/{name}")
async def start_rebuild(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(rebuild_index, name)
    return {"index": name}


@app.get("/ping")
async def ping():
    return {"ping": "pong"}
