"""Dependencies and the endpoint share one `BackgroundTasks`; tasks run in the order added.

That order is the order FastAPI resolves the dependencies in: the decorator's
`dependencies=[...]` first, then the parameters, each list in declaration order, every
sub-dependency before the dependency that needs it, and the endpoint last. Whether a
dependency has `yield` does not matter."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


def record(step: str) -> None:
    print(f"task from {step}", flush=True)


def sub_dependency(background_tasks: BackgroundTasks) -> None:
    background_tasks.add_task(record, "sub-dependency")


def dependency(background_tasks: BackgroundTasks, _: Annotated[None, Depends(sub_dependency)]):
    background_tasks.add_task(record, "dependency")


def yield_dependency(background_tasks: BackgroundTasks):
    background_tasks.add_task(record, "yield-dependency")
    yield


@app.post("/signup", dependencies=[Depends(yield_dependency)])  # resolved first
async def signup(background_tasks: BackgroundTasks, _: Annotated[None, Depends(dependency)]):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}


@app.post("/signup-swapped", dependencies=[Depends(dependency)])  # the same, declared the other way
async def signup_swapped(
    background_tasks: BackgroundTasks, _: Annotated[None, Depends(yield_dependency)]
):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
