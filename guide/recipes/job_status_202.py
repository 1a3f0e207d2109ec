"""How do I tell the client when long work is done?

Answer `202 Accepted` with the job's id and a `Location` to poll, run the work as a task,
and let it record its progress: `GET /jobs/{id}` returns pending, running, done (with the
result) or failed. A dict lives in one process and dies with it: with several workers or
restarts, keep jobs in a database (or use a job queue's own result store).

Measured (real uvicorn): the 202 comes at once with the Location; polling shows running,
then done with the result; a failing job shows failed with its error; an unknown id is 404.
"""

import asyncio
import uuid

from fastapi import BackgroundTasks, FastAPI, HTTPException, Response

app = FastAPI()
jobs: dict[str, dict] = {}


async def build_report(job_id: str, months: int) -> None:
    jobs[job_id]["status"] = "running"
    try:
        await asyncio.sleep(months * 0.1)  # the long part
        if months > 24:
            raise ValueError("at most 24 months")
        jobs[job_id].update(status="done", result={"months": months, "total": months * 100})
    except Exception as error:
        jobs[job_id].update(status="failed", error=str(error))


@app.post("/reports", status_code=202)
async def start_report(months: int, response: Response, background_tasks: BackgroundTasks):
    job_id = uuid.uuid4().hex
    jobs[job_id] = {"id": job_id, "status": "pending"}
    background_tasks.add_task(build_report, job_id, months)
    response.headers["Location"] = f"/jobs/{job_id}"
    return jobs[job_id]


@app.get("/jobs/{job_id}")
async def job_status(job_id: str):
    if job_id not in jobs:
        raise HTTPException(404, "no such job")
    return jobs[job_id]
