"""With `Depends(..., scope="function")` a dependency's code after `yield` runs when the
endpoint returns, before the response is sent: a task it adds there runs, last. On FastAPI
0.121.0, the release that added `scope`, that held for a parameter's dependency, but one
declared in the decorator's `dependencies=[...]` still dropped the task (fixed in 0.121.1)."""

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


@app.post(
    "/signup-decorated",  # the same dependency, declared in the decorator
    dependencies=[Depends(yield_dependency, scope="function")],
)
async def signup_decorated(background_tasks: BackgroundTasks):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
