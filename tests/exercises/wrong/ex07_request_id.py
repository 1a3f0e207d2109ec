"""Exercise 7, wrong: the request id is logged, but not what failed."""

import logging
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, Header

app = FastAPI()
logger = logging.getLogger("uvicorn.error")


def request_id(x_request_id: Annotated[str | None, Header()] = None) -> str:  # leave
    return x_request_id or uuid.uuid4().hex


RequestId = Annotated[str, Depends(request_id)]


def sync_crm(username: str) -> None:  # leave as it is: the CRM is down
    raise ConnectionError(f"CRM unavailable while syncing {username}")


def logged(request_id: str, task: Callable[[str], None], argument: str) -> None:
    """Run one task; a failure is logged under the request's id, passed in as a value."""
    try:
        task(argument)
    except Exception:
        logger.error("[%s] task %s failed", request_id, task.__name__)


@app.post("/users/{username}")
async def create_user(username: str, request_id: RequestId, background_tasks: BackgroundTasks):
    background_tasks.add_task(logged, request_id, sync_crm, username)
    return {"username": username, "request_id": request_id}
