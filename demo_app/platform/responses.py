"""The platform ring: the error answers the routes document in the OpenAPI schema, besides
FastAPI's 422.

Each is FastAPI's `{"detail": "..."}`. Documented so a client (and the schema-driven fuzz
test, tests/demo_app/test_fuzz.py) knows every status a route can answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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


# --8<-- [start:validation_error]
SECRET_FIELDS = ("password", "secret", "token")


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, less what must not come back: the submitted value of a secret field
    (a password that is too short, or a whole body that holds one)."""
    assert isinstance(exc, RequestValidationError)
    errors = [without_secrets(error) for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def is_secret(name: object) -> bool:
    return any(word in str(name).lower() for word in SECRET_FIELDS)


def without_secrets(error: dict[str, Any]) -> dict[str, Any]:
    if any(is_secret(part) for part in error.get("loc", ())):
        return {key: value for key, value in error.items() if key not in ("input", "ctx")}
    given = error.get("input")
    if isinstance(given, Mapping):
        hidden = {k: "[hidden]" if is_secret(k) else v for k, v in given.items()}
        return error | {"input": hidden}
    return error


# --8<-- [end:validation_error]
