"""How do I retry a task that calls a flaky service, with backoff?

Decorate the task with `stamina.retry` (tenacity with safe defaults): exponential backoff
with jitter, capped attempts and total time, retries only on the errors you name (a 5xx or a
timeout, not a 400), and `stamina.set_testing` to skip the waits in tests. The retries live
in this process: a restart loses them, a job queue does not.

Measured: two 503s then a 200 make three attempts, each wait longer than the one before;
a 400 is tried once; after the fourth attempt the error is raised.
"""

import httpx
import stamina
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
WEBHOOK_URL = "http://127.0.0.1:9000/hooks/signup"


def worth_retrying(error: Exception) -> bool:
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code >= 500
    return isinstance(error, httpx.TransportError)


@stamina.retry(on=worth_retrying, attempts=4, wait_initial=0.2, wait_jitter=0.1, timeout=30)
async def notify(user_id: int) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(WEBHOOK_URL, json={"user_id": user_id})
        response.raise_for_status()


@app.post("/users/{user_id}")
async def sign_up(user_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify, user_id)
    return {"user_id": user_id}
