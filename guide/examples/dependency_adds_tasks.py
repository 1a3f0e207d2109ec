"""Dependencies and the endpoint share one `BackgroundTasks`; tasks run in the order added.

A task added after `yield` runs only if the dependency's scope is "function": its exit
code runs before the response is sent, so the task is still in time."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


def record(step: str) -> None:
    print(f"task from {step}", flush=True)


def sub_dependency(background_tasks: BackgroundTasks) -> None:
    background_tasks.add_task(record, "sub-dependency")


def dependency(background_tasks: BackgroundTasks, _: Annotated[None, Depends(sub_dependency)]):
    background_tasks.add_task(record, "dependency")


def yield_dependency(background_tasks: BackgroundTasks):  # the default scope: "request"
    background_tasks.add_task(record, "yield-dependency, before yield")
    yield
    background_tasks.add_task(record, "yield-dependency, after yield")  # too late: never runs


def function_scoped(background_tasks: BackgroundTasks):  # used with scope="function"
    background_tasks.add_task(record, "function-scoped, before yield")
    yield
    background_tasks.add_task(record, "function-scoped, after yield")  # runs, last


@app.post(
    "/signup",
    dependencies=[
        Depends(dependency),
        Depends(yield_dependency),
        Depends(function_scoped, scope="function"),
    ],
)
async def signup(background_tasks: BackgroundTasks):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
