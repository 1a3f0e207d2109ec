"""Blocking code in an `async def` task freezes the whole server; in a `def` task it doesn't."""

import os
import time

from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "3"))

app = FastAPI()


async def report_async(name: str) -> None:  # wrong: blocks the event loop
    print(f"{name}: started", flush=True)
    time.sleep(TASK_SECONDS)  # noqa: ASYNC251 (the mistake this example shows)
    print(f"{name}: done", flush=True)


def report_sync(name: str) -> None:  # right: FastAPI runs it in a worker thread
    print(f"{name}: started", flush=True)
    time.sleep(TASK_SECONDS)
    print(f"{name}: done", flush=True)


@app.post("/reports/async-def")
async def start_async_report(background_tasks: BackgroundTasks):
    background_tasks.add_task(report_async, "async def report")
    return {"status": "scheduled"}


@app.post("/reports/def")
async def start_sync_report(background_tasks: BackgroundTasks):
    background_tasks.add_task(report_sync, "def report")
    return {"status": "scheduled"}


@app.get("/ping")
async def ping():
    return {"ping": "pong"}
