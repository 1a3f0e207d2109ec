"""Why does `add_task(send_email(...))` not send anything?

`add_task` wants the function and its arguments, not a call. `send_email(to)` of an
`async def` makes a coroutine, which is not callable: the client gets its 200, then the
task fails with `TypeError` and Python warns "coroutine ... was never awaited". A
`partial` of an `async def` is fine: Starlette sees through it and awaits it. A `lambda`
(or any `def`) returning a coroutine fails quietly: it runs in a thread, returns the
coroutine, and nothing awaits it.

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
    background_tasks.add_task(send_email(to, "Welcome"))  # wrong: a TypeError after the 200
    return {"queued": 1}


@app.post("/lambda/{to}")
async def wrapped(to: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(lambda: send_email(to, "Welcome"))  # wrong: never awaited
    return {"queued": 1}
