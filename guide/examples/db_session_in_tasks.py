"""Whether a yield dependency's session is still open in a task depends on its scope.

Here the default scope ("request"); `db_session_function_scope.py` has scope="function",
which older FastAPI releases do not know (the release table measures this file on them)."""

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
