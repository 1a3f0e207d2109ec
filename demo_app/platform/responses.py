"""The platform ring: the error answers the routes document in the OpenAPI schema, besides
FastAPI's 422.

Each is FastAPI's `{"detail": "..."}`. Documented so a client (and the schema-driven fuzz
test, tests/demo_app/test_fuzz.py) knows every status a route can answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    detail: str


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorDetail, "description": description}


# Every route that needs a token (deps.get_current_user).
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: error("No token, or an invalid or expired one: log in again")
}
# Every route for admins (deps.get_admin).
ADMINS_ONLY: dict[int | str, dict[str, Any]] = UNAUTHORIZED | {403: error("Admins only")}


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: error(f"No such {what} (another user's {what} does not exist for you)")}
