"""Whether a yield dependency's session is still open in a task depends on its scope."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()


class Session:  # stands in for a database session
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True
        print("session closed", flush=True)


def get_db():
    db = Session()
    try:
        yield db
    finally:
        db.close()


def write_audit(db: Session) -> None:
    print(f"task runs, session closed: {db.closed}", flush=True)


@app.post("/default-scope")
async def default_scope(db: Annotated[Session, Depends(get_db)], background_tasks: BackgroundTasks):
    background_tasks.add_task(write_audit, db)  # the session closes after the tasks
    return {"scope": "request"}


@app.post("/function-scope")
async def function_scope(
    db: Annotated[Session, Depends(get_db, scope="function")], background_tasks: BackgroundTasks
):
    background_tasks.add_task(write_audit, db)  # the session closes before the tasks
    return {"scope": "function"}
