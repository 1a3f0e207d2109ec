"""With `Depends(..., scope="function")` a dependency's code after `yield` runs when the
endpoint returns, before the response is sent: a task it adds there runs, last (FastAPI
0.121.1 and later; on 0.121.0, the release that added `scope`, it was still dropped)."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

from guide.examples.task_after_yield import record, yield_dependency

app = FastAPI()


@app.post("/signup")
async def signup(
    background_tasks: BackgroundTasks,
    _: Annotated[None, Depends(yield_dependency, scope="function")],
):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
