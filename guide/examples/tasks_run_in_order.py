"""The tasks of one request run one after another; tasks of different requests overlap."""

import asyncio
import os
import time

from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "1"))
STARTED = time.monotonic()

app = FastAPI()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.2f}s] {message}", flush=True)


async def run_step(job: str, step: str) -> None:
    log(f"job {job}: {step} started")
    await asyncio.sleep(TASK_SECONDS)
    log(f"job {job}: {step} done")


@app.post("/jobs/{job}")
async def start_job(job: str, background_tasks: BackgroundTasks):
    for step in ("resize", "thumbnail", "notify"):
        background_tasks.add_task(run_step, job, step)
    return {"job": job, "steps": 3}
