"""A task can read the request, its state and context variables set in middleware."""

from contextvars import ContextVar

from fastapi import BackgroundTasks, FastAPI, Request

app = FastAPI()

request_id: ContextVar[str] = ContextVar("request_id", default="-")


@app.middleware("http")
async def tag_request(request: Request, call_next):
    request_id.set(request.headers.get("x-request-id", "none"))
    request.state.user = "alice"
    return await call_next(request)


def audit(request: Request) -> None:
    print(
        f"task sees path={request.url.path} user={request.state.user} "
        f"request_id={request_id.get()}",
        flush=True,
    )


@app.post("/orders")
async def create_order(request: Request, background_tasks: BackgroundTasks):
    background_tasks.add_task(audit, request)
    return {"status": "created"}
