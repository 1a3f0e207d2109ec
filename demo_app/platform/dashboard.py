"""The platform ring: `GET /dashboard`: a page that watches the requests and their tasks live
(admins only).

Plain HTML, CSS and one script, shipped in the package (`demo_app/static/dashboard/`):
nothing from the web, and the page's Content-Security-Policy allows this origin only
(demo_app/platform/middleware.py). The page itself is public; what it shows comes from admin-only
routes: it logs in with a form, keeps the bearer token in a script variable (never in a URL,
a cookie or storage), and reads `GET /api/v1/events` with `fetch`, which can send the token
(an `EventSource` cannot send headers).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

STATIC = Path(__file__).resolve().parent.parent / "static" / "dashboard"
ASSETS = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    # An app that can stop and start its mail server (the tour's) says so: the page shows
    # the switch (see guide/tour/browser.py).
    if getattr(request.app.state, "mail_switch", False):
        page = page.replace('data-mail-switch="no"', 'data-mail-switch="yes"', 1)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/dashboard/{name}")
async def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return FileResponse(STATIC / name, media_type=ASSETS[name])
