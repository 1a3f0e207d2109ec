"""The response goes out first; the background task runs after it."""

import os
import time

from fastapi import BackgroundTasks, FastAPI

TASK_SECONDS = float(os.getenv("TASK_SECONDS", "2"))

app = FastAPI()


def write_report(name: str) -> None:
    print(f"report {name}: started", flush=True)
    time.sleep(TASK_SECONDS)  # stands in for slow work: a file, an email, an API call
    print(f"report {name}: done", flush=True)


@app.post("/reports/{name}")
def create_report(name: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_report, name)
    return {"message": f"report {name} scheduled"}
