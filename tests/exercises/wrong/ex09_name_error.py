"""Exercise 9, wrong: a typo in a prediction, so the file does not run."""

import asyncio
import os
import time

from fastapi import BackgroundTasks, FastAPI

# SIGTERM: uvicorn waits for running tasks, as long as they take. SIGKILL: the process is
# gone at once. With a graceful-shutdown timeout, an async task still running is cancelled,
# and a def task's thread cannot be: the process exits without it.
FINISHES: dict[str, bool | None] = {
    "SIGTERM": Ture,  # noqa: F821  (a normal stop: Ctrl+C, a deploy, `kill PID`)
    "SIGKILL": False,  # `kill -9 PID`, the out-of-memory killer
    # uvicorn started with --timeout-graceful-shutdown 1, an export far longer than 1 s:
    "SIGTERM, --timeout-graceful-shutdown 1, async def task": False,
    "SIGTERM, --timeout-graceful-shutdown 1, def task": False,
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
