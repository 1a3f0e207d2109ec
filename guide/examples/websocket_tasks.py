"""WebSockets: a task added to an injected `BackgroundTasks` never runs; a task group that
the lifespan owns runs the work, on the server's loop, and waits for it at shutdown. Each
job is wrapped so that it never raises: one exception escaping a job would cancel every
other job in the group and leave the group closed to new ones until the server restarts."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVarTuple

import anyio
from fastapi import BackgroundTasks, FastAPI, WebSocket

logger = logging.getLogger(__name__)
Ts = TypeVarTuple("Ts")


async def save_transcript(label: str, messages: list[str]) -> None:
    if "boom" in messages:
        raise RuntimeError(f"{label}: the transcript store refused it")
    await anyio.sleep(0.3)  # writing it somewhere
    print(f"{label}: transcript of {len(messages)} messages saved", flush=True)


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with anyio.create_task_group() as task_group:
        app.state.task_group = task_group  # lives as long as the server
        yield
    # leaving the block waits for every task started in it


app = FastAPI(lifespan=lifespan)


def start_job(app: FastAPI, func: Callable[[*Ts], Awaitable[object]], *args: *Ts) -> None:
    """Run `func(*args)` in the lifespan's task group; an exception is logged, never raised
    (raised, it would cancel every other job in the group and close the group)."""

    async def job() -> None:
        try:
            await func(*args)
        except Exception:
            logger.exception("job %s failed", getattr(func, "__name__", func))

    app.state.task_group.start_soon(job)


# --8<-- [end:lifespan]


async def chat(websocket: WebSocket) -> list[str]:
    await websocket.accept()
    messages = []
    while (text := await websocket.receive_text()) != "bye":
        messages.append(text)
        await websocket.send_text(f"got {text}")
    await websocket.close()
    return messages


# --8<-- [start:routes]
@app.websocket("/injected/{label}")
async def injected(websocket: WebSocket, label: str, background_tasks: BackgroundTasks):
    messages = await chat(websocket)
    background_tasks.add_task(save_transcript, label, messages)  # never runs
    print(f"{label}: handler done, {len(background_tasks.tasks)} task queued", flush=True)


@app.websocket("/task-group/{label}")
async def with_task_group(websocket: WebSocket, label: str):
    messages = await chat(websocket)
    start_job(websocket.app, save_transcript, label, messages)
    print(f"{label}: handler done", flush=True)


# --8<-- [end:routes]


@app.websocket("/bare-task-group/{label}")
async def with_bare_task_group(websocket: WebSocket, label: str):  # what not to do
    messages = await chat(websocket)
    websocket.app.state.task_group.start_soon(save_transcript, label, messages)
    print(f"{label}: handler done", flush=True)
