"""Refuse an oversized upload from its Content-Length, before a byte of the body is read.

Starlette parses a multipart body before the endpoint runs (spooling files to disk past
1 MB), so the endpoint's own limit comes only after the whole upload was received. This
pure ASGI middleware answers 413 first when the client says how much it will send; the
endpoint's check still covers clients that stream without a Content-Length.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from demo_app.config import get_settings

MULTIPART_OVERHEAD = 16 * 1024  # boundaries and part headers around the file's bytes


class UploadSizeLimit:
    def __init__(self, app: ASGIApp, path: str = "/api/v1/uploads") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.path:
            limit = get_settings().max_upload_bytes
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
                detail = f"File too large: the limit is {limit} bytes"
                await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)
