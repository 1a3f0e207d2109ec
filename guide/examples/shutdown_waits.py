"""On SIGTERM uvicorn waits for running tasks; SIGKILL loses them."""

import asyncio
import os
import time

from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "5"))

# --8<-- [start:app]
app = FastAPI()


async def export_data(name: str) -> None:
    print(f"export {name}: started", flush=True)
    try:
        await asyncio.sleep(TASK_SECONDS)
    except asyncio.CancelledError:
        print(f"export {name}: cancelled", flush=True)
        raise
    print(f"export {name}: done", flush=True)


@app.post("/exports/{name}")
async def start_export(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(export_data, name)
    return {"export": name}


# --8<-- [end:app]


def export_data_sync(name: str) -> None:  # a def task: runs in a worker thread
    print(f"export {name}: started", flush=True)
    time.sleep(TASK_SECONDS)  # a thread cannot be cancelled
    print(f"export {name}: done", flush=True)


@app.post("/sync-exports/{name}")
async def start_sync_export(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(export_data_sync, name)
    return {"export": name}
