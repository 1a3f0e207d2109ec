"""`asyncio.create_task` in an endpoint is not a background task: it starts at once, beside
the endpoint, not after the response; nothing keeps it alive, reports its exception or
waits for it at shutdown. Keep a reference, and catch and log what it raises."""

import asyncio
import gc
import os

from fastapi import FastAPI

JOB_SECONDS = float(os.getenv("JOB_SECONDS", "2"))
app = FastAPI()


async def job(name: str) -> None:
    print(f"{name}: job started", flush=True)
    try:
        await asyncio.sleep(JOB_SECONDS)
    except asyncio.CancelledError:
        print(f"{name}: job cancelled", flush=True)
        raise
    print(f"{name}: job done", flush=True)


async def failing_job(name: str) -> None:
    raise RuntimeError(f"{name}: job failed")


async def waiting_job(name: str) -> None:
    print(f"{name}: job waiting", flush=True)
    await asyncio.get_running_loop().create_future()  # an I/O wait held only by this task
    print(f"{name}: job done", flush=True)


@app.post("/jobs/{name}")
async def start_job(name: str):
    asyncio.create_task(job(name))  # no reference kept
    await asyncio.sleep(0.2)  # the rest of the endpoint: a database write, say
    print(f"{name}: endpoint returns", flush=True)
    return {"job": name}


@app.post("/failing-jobs/{name}")
async def start_failing_job(name: str):
    asyncio.create_task(failing_job(name))
    return {"job": name}


@app.post("/waiting-jobs/{name}")
async def start_waiting_job(name: str):
    asyncio.create_task(waiting_job(name))
    return {"job": name}


@app.post("/collect")
async def collect():
    gc.collect()  # what the interpreter does on its own, sooner or later
    return {"collected": True}
