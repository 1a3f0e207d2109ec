"""Exercise 9: predict which running tasks a stop lets finish."""

import asyncio
import os
import time

from fastapi import BackgroundTasks, FastAPI

# YOUR TURN: an export is running when the server is stopped. For each way of stopping it,
# predict whether the export still finishes (prints "done"): True or False.
# Predict first; then check (the check starts this app for each case and stops it).
FINISHES: dict[str, bool | None] = {
    "SIGTERM": None,  # a normal stop: Ctrl+C, a deploy, `kill PID`
    "SIGKILL": None,  # `kill -9 PID`, the out-of-memory killer
    # uvicorn started with --timeout-graceful-shutdown 1, an export far longer than 1 s:
    "SIGTERM, --timeout-graceful-shutdown 1, async def task": None,
    "SIGTERM, --timeout-graceful-shutdown 1, def task": None,
}

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "5"))

app = FastAPI()


async def export_data(name: str) -> None:
    print(f"export {name}: started", flush=True)
    await asyncio.sleep(TASK_SECONDS)
    print(f"export {name}: done", flush=True)


def export_data_sync(name: str) -> None:  # a def task: runs in a worker thread
    print(f"export {name}: started", flush=True)
    time.sleep(TASK_SECONDS)
    print(f"export {name}: done", flush=True)


@app.post("/exports/{name}")
async def start_export(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(export_data, name)
    return {"export": name}


@app.post("/sync-exports/{name}")
async def start_sync_export(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(export_data_sync, name)
    return {"export": name}
