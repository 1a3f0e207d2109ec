"""Exercise 3, wrong: the request-scoped exit's task predicted, the function-scoped one's not."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

# Dependencies first, then the endpoint, then the exit code of the yield dependency that
# was declared last.
ORDER: list[str] = [
    "function-scoped, before yield",
    "sub-dependency",
    "dependency",
    "yield-dependency, before yield",
    "endpoint",
    "yield-dependency, after yield",
]

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
