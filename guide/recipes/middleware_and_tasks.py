"""Does an `@app.middleware("http")` make the response wait for background tasks?

Not on the installed release (`@app.middleware("http")` is Starlette's `BaseHTTPMiddleware`,
whose handling of tasks has moved between releases: this test measures it). `call_next`
returns before the task runs, the client is answered at once, and the next request on the
connection is not held up. A timing middleware measures the endpoint, not the tasks.

Measured (real uvicorn): with a 1.5 s task, `call_next` returned and the response came
in well under 1.5 s, and a second request on the same connection answered at once while
the task still ran.
"""

import asyncio
import time

from fastapi import BackgroundTasks, FastAPI, Request

app = FastAPI()


@app.middleware("http")
async def timing(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    took = time.perf_counter() - started
    response.headers["Server-Timing"] = f"app;dur={took * 1000:.1f}"
    print(f"{request.url.path}: call_next returned after {took:.3f}s", flush=True)
    return response


async def rebuild_search_index() -> None:
    print("index: started", flush=True)
    await asyncio.sleep(1.5)
    print("index: done", flush=True)


@app.post("/articles")
async def publish(background_tasks: BackgroundTasks):
    background_tasks.add_task(rebuild_search_index)
    return {"published": True}


@app.get("/articles")
async def articles():
    return []
