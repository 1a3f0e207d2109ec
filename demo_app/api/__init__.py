"""The HTTP API, mounted under /api/v1."""

from fastapi import APIRouter

from demo_app.api import auth, items, newsletter, tasks, uploads, users

api_router = APIRouter(prefix="/api/v1")
for module in (auth, users, items, newsletter, uploads, tasks):
    api_router.include_router(module.router)
