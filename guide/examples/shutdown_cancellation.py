"""What an `async def` task sees when a graceful shutdown runs out of time, and a critical
step that finishes anyway: shielded, and waited for by the lifespan."""

import asyncio
import os
from contextlib import asynccontextmanager

import anyio
from fastapi import BackgroundTasks, FastAPI

STEP_SECONDS = float(os.getenv("STEP_SECONDS", "4"))
finishing: set[asyncio.Task] = set()


# --8<-- [start:finish_anyway]
async def finish_anyway(step):
    """Await `step`; if this task is cancelled, the step goes on and the lifespan waits."""
    job = asyncio.ensure_future(step)
    finishing.add(job)
    job.add_done_callback(finishing.discard)
    return await asyncio.shield(job)  # a cancel stops this await, not the job


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    # uvicorn runs this after the tasks: finished, or cancelled at the shutdown timeout
    if finishing:
        print(f"lifespan: waiting for {len(finishing)} critical step(s)", flush=True)
        await asyncio.gather(*finishing, return_exceptions=True)
    print("lifespan: shutdown done", flush=True)


# --8<-- [end:finish_anyway]

app = FastAPI(lifespan=lifespan)


async def write_ledger(name: str) -> None:  # the step that must not stop halfway
    print(f"{name}: ledger write started", flush=True)
    await asyncio.sleep(STEP_SECONDS)
    print(f"{name}: ledger written", flush=True)


# --8<-- [start:tasks]
async def settle(name: str) -> None:
    try:
        await finish_anyway(write_ledger(name))
    except asyncio.CancelledError:  # raised at the await the task was waiting in
        print(f"{name}: cancelled", flush=True)
        raise  # always re-raise it
    print(f"{name}: done", flush=True)


async def settle_in_cancel_scope(name: str) -> None:  # not enough under uvicorn
    try:
        with anyio.CancelScope(shield=True):  # shields from AnyIO's cancels only
            await write_ledger(name)
    except asyncio.CancelledError:
        print(f"{name}: cancelled", flush=True)
        raise


# --8<-- [end:tasks]


@app.post("/settle/{name}")
async def start_settle(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(settle, name)
    return {"settling": name}


@app.post("/settle-in-scope/{name}")
async def start_settle_in_scope(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(settle_in_cancel_scope, name)
    return {"settling": name}
