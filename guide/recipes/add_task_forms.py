"""Why does `add_task(send_email(...))` not send anything?

`add_task` wants the function and its arguments, not a call. A call of an `async def`
is a coroutine, not a function: the client gets its 200, then the task fails with `TypeError`
(mypy flags the call). A `partial` of an `async def` is awaited, but a `lambda` returning the
coroutine runs in a thread and nothing awaits what it returns.

Measured: the plain form and the `partial` send; the call is a 200 whose task raises
`TypeError`; the lambda is a 200 whose task sends nothing; both warn "never awaited".
"""

import functools

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
outbox: list[str] = []


async def send_email(to: str, subject: str) -> None:
    outbox.append(f"{subject} -> {to}")


@app.post("/right/{to}")
async def right(to: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_email, to, "Welcome")  # the function, then its arguments
    background_tasks.add_task(functools.partial(send_email, to), "Tips")  # awaited too
    return {"queued": 2}


@app.post("/called/{to}")
async def called(to: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_email(to, "Welcome"))  # type: ignore[arg-type]  # wrong
    return {"queued": 1}


@app.post("/lambda/{to}")
async def wrapped(to: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(lambda: send_email(to, "Welcome"))  # wrong: never awaited
    return {"queued": 1}
