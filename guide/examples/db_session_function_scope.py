"""With `Depends(..., scope="function")` (FastAPI 0.121+) the session closes before the tasks."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

from guide.examples.db_session_in_tasks import Session, get_db, write_audit

app = FastAPI()


@app.post("/function-scope")
async def function_scope(
    db: Annotated[Session, Depends(get_db, scope="function")], background_tasks: BackgroundTasks
):
    background_tasks.add_task(write_audit, db)  # the session closes before the tasks
    return {"scope": "function"}
