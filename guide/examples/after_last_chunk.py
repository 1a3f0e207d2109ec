"""Work a middleware does in its `send` wrapper after a streamed response's last chunk runs
in a cancelled scope on uvicorn: shield it (or make it a background task). Work it does
once `await self.app(...)` has returned is not cancelled, but it comes after the
response's background tasks."""

import asyncio

import anyio
from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


async def record(label: str) -> None:
    await asyncio.sleep(0.1)  # a database write, say
    print(f"{label}: recorded", flush=True)


# --8<-- [start:middleware]
class RecordAfterLastByte:  # a pure ASGI middleware, like the demo app's request records
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        label = scope["path"].rsplit("/", 1)[-1]

        after_app = scope["path"].startswith("/after-app/")

        async def send_then_record(message):
            await send(message)
            last = message["type"] == "http.response.body" and not message.get("more_body")
            if last and not after_app:
                try:
                    if scope["path"].startswith("/shielded/"):
                        with anyio.CancelScope(shield=True):  # the client gone: no matter
                            await record(label)
                    else:
                        await record(label)  # cancelled, after a StreamingResponse
                except asyncio.CancelledError:
                    print(f"{label}: cancelled", flush=True)
                    raise

        await self.app(scope, receive, send_then_record)
        if after_app:  # the stream's task group is over: not cancelled, but late
            await record(label)  # after the response's background tasks have run


# --8<-- [end:middleware]

app.add_middleware(RecordAfterLastByte)


def chunks():
    yield from ("a\n", "b\n")


@app.get("/json/{label}")
async def whole(label: str):
    return {"label": label}


def after(label: str) -> None:
    print(f"{label}: task ran", flush=True)


@app.get("/stream/{label}")
@app.get("/shielded/{label}")  # the same stream; the middleware shields what follows it
@app.get("/after-app/{label}")  # the same stream; the middleware records once the app returns
async def stream(label: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(after, label)  # runs after the task group: not cancelled
    return StreamingResponse(chunks(), media_type="text/plain")
