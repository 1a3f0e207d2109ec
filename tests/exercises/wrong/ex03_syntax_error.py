"""Exercise 3, wrong: the list of names is never closed."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

# Dependencies first, in the order declared (each after its own sub-dependencies), then
# the endpoint; a function-scoped dependency's exit code runs before the response is sent,
# so its task comes last; a request-scoped one exits after the tasks: its task is too late.
ORDER: list[str] = [
    "function-scoped, before yield",
    "sub-dependency",
    "dependency",
    "yield-dependency, before yield",
    "endpoint",
    "function-scoped, after yield",


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
