"""WebSockets: a task added to an injected `BackgroundTasks` never runs; a task group that
the lifespan owns runs the work, on the server's loop, and waits for it at shutdown."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import BackgroundTasks, FastAPI, WebSocket


def save_transcript(label: str, messages: list[str]) -> None:
    print(f"{label}: transcript of {len(messages)} messages saved", flush=True)


# --8<-- [start:lifespan]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with anyio.create_task_group() as task_group:
        app.state.task_group = task_group  # lives as long as the server
        yield
    # leaving the block waits for every task started in it


app = FastAPI(lifespan=lifespan)
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
    # a def function in a worker thread, as Starlette would run it; an async def: start_soon
    websocket.app.state.task_group.start_soon(
        anyio.to_thread.run_sync, save_transcript, label, messages
    )
    print(f"{label}: handler done", flush=True)


# --8<-- [end:routes]
