"""The id of the request being served, readable from endpoints, tasks and log lines."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The task run being executed (set by run_task): its effects are claimed in its name.
run_id_var: ContextVar[str | None] = ContextVar("run_id", default=None)

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def accept_or_make(header_value: str | None) -> str:
    """Keep a caller's X-Request-ID if it is a sane token; otherwise make a new one."""
    if header_value and _VALID.match(header_value):
        return header_value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


def current_run_id() -> str | None:
    return run_id_var.get()
