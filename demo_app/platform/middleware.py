"""The platform ring: a pure ASGI middleware: a request id for every request, when its response
left, and
the security headers every response carries.

Not `BaseHTTPMiddleware`: this one only wraps `send`, so it neither buffers the response nor
changes how background tasks run. Starlette runs a response's background tasks inside the
app call, after the last body chunk is sent; so `send` tells us when the client had its
answer; the record is written right then, before the tasks start.
"""

from __future__ import annotations

import logging

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from demo_app import db
from demo_app.models import RequestRecord, utcnow
from demo_app.platform.context import new_request_id, request_id_var
from demo_app.platform.log_events import RESPONSE_SENT
from demo_app.platform.logs import one_line

log = logging.getLogger("demo_app.requests")

# On every response: no MIME sniffing, never framed (clickjacking), no Referer sent on.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# The API returns data, never a page: a browser that renders one anyway may run nothing.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The docs pages run the app's own Swagger UI / ReDoc files (FastAPIOffline, no CDN) and
# one inline script that starts them; they call the API on this origin only.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_PAGES = ("/docs", "/redoc")
# The dashboard (demo_app/platform/dashboard.py): its own script and styles, no inline code,
# and it calls the API on this origin only.
DASHBOARD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def add_security_headers(headers: MutableHeaders, path: str) -> None:
    if path.startswith(DOCS_PAGES):
        csp = DOCS_CSP
    elif path == "/dashboard" or path.startswith("/dashboard/"):
        csp = DASHBOARD_CSP
    else:
        csp = API_CSP
    for name, value in {**SECURITY_HEADERS, "Content-Security-Policy": csp}.items():
        if name not in headers:
            headers[name] = value


# What is logged and kept of a request's path: an API path is far shorter, and the rest of
# a 16 KB path is the client's text, stored for 30 days and scanned by every event stream.
PATH_KEPT = 200


def shortened(path: str) -> str:
    if len(path) <= PATH_KEPT:
        return path
    return f"{path[:PATH_KEPT]}... ({len(path) - PATH_KEPT} more characters)"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, record: bool = True) -> None:
        self.app = app
        self.record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id(Headers(scope=scope).get("x-request-id"))
        token = request_id_var.set(request_id)
        record = RequestRecord(
            request_id=request_id,
            method=scope["method"],
            path=shortened(scope["path"]),
            received_at=utcnow(),
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                add_security_headers(headers, scope["path"])
                record.status_code = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                record.response_sent_at = utcnow()
                # The path is the client's text, decoded: a %0A in it is a newline here.
                log.info(
                    "%s %s -> %s",
                    record.method,
                    one_line(record.path),
                    record.status_code,
                    extra=RESPONSE_SENT.extra(
                        method=record.method, path=record.path, status_code=record.status_code
                    ),
                )
                if self.record and record.path.startswith("/api"):
                    # After the last byte, before the tasks: the client is not kept
                    # waiting, and the record exists even if the process dies mid-task.
                    await save(record)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if record.response_sent_at is None and self.record and record.path.startswith("/api"):
                await save(record)  # the response failed: keep what is known
            request_id_var.reset(token)


SAVE_SECONDS = 10.0


async def save(record: RequestRecord) -> None:
    """Write the record, shielded from cancellation (within SAVE_SECONDS).

    A streaming response is sent from a task group that Starlette cancels once the server
    reports the client gone, and uvicorn reports that as soon as the last byte is sent: an
    unshielded write there was cancelled mid-INSERT, and the record of every event stream
    that ended was lost (and on SQLite its connection torn down)."""
    with anyio.move_on_after(SAVE_SECONDS, shield=True) as scope:
        try:
            async with db.session() as session:
                session.add(record)  # an insert, never a merge: no request overwrites another's
                await session.commit()
        except Exception:  # the timeline is a diagnostic: never fail a request over it
            log.exception("could not record request %s", record.request_id)
    if scope.cancelled_caught:
        log.error("could not record request %s in %gs", record.request_id, SAVE_SECONDS)
