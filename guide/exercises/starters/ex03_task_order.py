"""Exercise 3: predict the order in which the tasks of one request run."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

# YOUR TURN: POST /signup adds seven tasks, named below. Predict which of them run, in
# the order they run: put their names in ORDER and leave out any that never runs.
# Predict first; then check (the check runs this app and compares).
ORDER: list[str] = []

app = FastAPI()


async def record(step: str) -> None:  # on the event loop: its lines are never split
    print(f"task from {step}", flush=True)


def sub_dependency(background_tasks: BackgroundTasks) -> None:
    background_tasks.add_task(record, "sub-dependency")


def dependency(background_tasks: BackgroundTasks, _: Annotated[None, Depends(sub_dependency)]):
    background_tasks.add_task(record, "dependency")


def yield_dependency(background_tasks: BackgroundTasks):  # the default scope: "request"
    background_tasks.add_task(record, "yield-dependency, before yield")
    yield
    background_tasks.add_task(record, "yield-dependency, after yield")


def function_scoped(background_tasks: BackgroundTasks):  # declared with scope="function"
    background_tasks.add_task(record, "function-scoped, before yield")
    yield
    background_tasks.add_task(record, "function-scoped, after yield")


@app.post(
    "/signup",
    dependencies=[
        Depends(function_scoped, scope="function"),
        Depends(dependency),
        Depends(yield_dependency),
    ],
)
async def signup(background_tasks: BackgroundTasks):
    background_tasks.add_task(record, "endpoint")
    return {"queued": len(background_tasks.tasks)}
