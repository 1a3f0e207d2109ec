"""The HTTP API, mounted under /api/v1 (uploads too: main.py includes them with their own
body limit)."""

from fastapi import APIRouter

from demo_app.api import auth, events, items, newsletter, tasks, users

api_router = APIRouter(prefix="/api/v1")
for module in (auth, users, items, newsletter, tasks, events):
    api_router.include_router(module.router)
