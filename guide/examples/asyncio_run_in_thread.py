"""`add_task(asyncio.run, coro)` runs the coroutine in a worker thread on a new event loop."""

import asyncio
import os
import threading
from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, FastAPI, HTTPException

WRITE_SECONDS = float(os.getenv("WRITE_SECONDS", "1"))


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.loop = asyncio.get_running_loop()  # the server's event loop
    app.state.disk = asyncio.Lock()  # one file written at a time
    yield


app = FastAPI(lifespan=lifespan)


async def process_file(path: str) -> None:
    same = asyncio.get_running_loop() is app.state.loop
    loop = "the server's loop" if same else "a new event loop"
    print(f"{path}: on {loop}, in {threading.current_thread().name}", flush=True)
    async with app.state.disk:  # a task that waits for it binds it to its loop
        print(f"{path}: writing", flush=True)
        await asyncio.sleep(WRITE_SECONDS)
    print(f"{path}: written", flush=True)


@app.post("/wrong/{path}")
async def upload_wrong(path: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(asyncio.run, process_file(path))  # a thread and a loop per task
    if not path.endswith(".csv"):  # the coroutine already exists: "never awaited"
        raise HTTPException(status_code=400, detail="CSV files only")
    return {"path": path}


@app.post("/right/{path}")
async def upload_right(path: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(process_file, path)  # awaited on the server's loop
    if not path.endswith(".csv"):  # nothing was created yet: nothing to warn about
        raise HTTPException(status_code=400, detail="CSV files only")
    return {"path": path}
