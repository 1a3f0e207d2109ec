"""Why does my exception handler not catch errors raised in background tasks?

By the time a task runs, the response has been sent: there is nothing left for a handler
to replace. The task's exception bypasses `@app.exception_handler` and reaches the
server, which logs its traceback; the client already has its 200. Handle errors inside
the task (a wrapper that logs them, a retry, a status the client can poll).

Measured (real uvicorn): the client gets 200, the handler is never called for the task's
error, and uvicorn logs "Exception in ASGI application" with the traceback. The same
exception raised by the endpoint does reach the handler (a 503).
"""

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


class ExportFailed(Exception):
    pass


@app.exception_handler(ExportFailed)
async def export_failed(request: Request, error: ExportFailed):
    print(f"handler called: {error}", flush=True)
    return JSONResponse({"detail": "export service unavailable"}, status_code=503)


def export_to_crm(contact_id: int) -> None:
    raise ExportFailed(f"contact {contact_id}: CRM timed out")


@app.post("/contacts/{contact_id}")
async def create_contact(contact_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(export_to_crm, contact_id)
    return {"contact_id": contact_id}


@app.post("/contacts/{contact_id}/export")
async def export_now(contact_id: int):
    export_to_crm(contact_id)  # raised here, in the endpoint: the handler answers
