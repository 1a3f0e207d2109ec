"""A task added after `yield` in a dependency of the default scope ("request") is dropped:
that code runs once the response has been sent, after its tasks were taken."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


def record(step: str) -> None:
    print(f"task from {step}", flush=True)


def yield_dependency(background_tasks: BackgroundTasks):
    background_tasks.add_task(record, "before yield")
    yield
    background_tasks.add_task(record, "after yield")  # default scope: too late, never runs


@app.post("/signup")
async def signup(background_tasks: BackgroundTasks, _: Annotated[None, Depends(yield_dependency)]):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
