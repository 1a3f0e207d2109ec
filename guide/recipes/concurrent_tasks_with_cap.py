"""How do I run one request's tasks at the same time, but not too many at once?

`add_task` runs a response's tasks one after another. Add one task that starts the
others in an AnyIO task group, each waiting for a slot of a `CapacityLimiter`: all start
together, at most `LIMIT` run at a time, and the task ends when the last one does. Catch
each one's errors: in a task group, one that raises cancels the rest.

Measured: six 0.3 s sends with a limit of 3 take about 0.6 s (not 1.8 s), no more than 3
run at any moment, and a send that fails is logged while the others still go out.
"""

import logging

import anyio
from fastapi import BackgroundTasks, FastAPI

logger = logging.getLogger("tasks")
app = FastAPI()
LIMIT = 3


async def send_invite(email: str) -> None:
    await anyio.sleep(0.3)  # the mail server's round trip


async def send_invites(emails: list[str]) -> None:
    limiter = anyio.CapacityLimiter(LIMIT)

    async def send_one(email: str) -> None:
        async with limiter:
            try:
                await send_invite(email)
            except Exception:
                logger.exception("invite to %s failed", email)

    async with anyio.create_task_group() as group:
        for email in emails:
            group.start_soon(send_one, email)


@app.post("/invites")
async def invite(emails: list[str], background_tasks: BackgroundTasks):
    background_tasks.add_task(send_invites, emails)
    return {"queued": len(emails)}
