"""`add_task(asyncio.run, coro)` runs the coroutine in a worker thread on a new event loop."""

import asyncio
import threading
from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.loop = asyncio.get_running_loop()  # the server's event loop
    yield


app = FastAPI(lifespan=lifespan)


async def process_file(path: str) -> None:
    same = asyncio.get_running_loop() is app.state.loop
    loop = "the server's loop" if same else "a new event loop"
    print(f"{path}: on {loop}, in {threading.current_thread().name}", flush=True)


@app.post("/wrong/{path}")
async def upload_wrong(path: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(asyncio.run, process_file(path))  # a thread and a loop per task
    return {"path": path}


@app.post("/right/{path}")
async def upload_right(path: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(process_file, path)  # awaited on the server's loop
    return {"path": path}
