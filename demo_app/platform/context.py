"""The platform ring: the id of the request being served, readable from endpoints, tasks and
log lines."""

from __future__ import annotations

import re
import secrets
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The task run being executed (set by run_task): its effects are claimed in its name.
run_id_var: ContextVar[str | None] = ContextVar("run_id", default=None)

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")


def new_request_id(client_value: str | None = None) -> str:
    """The server's id for a request: always its own, so always unique.

    A client's X-Request-ID, if it is a sane token (1-64 of A-Z a-z 0-9 . _ -), is kept as a
    readable prefix for correlation, `<client value>-<8 random hex>`; anything else is
    ignored and the id is a 32-hex uuid. A client may send the same value on every request
    or copy someone else's: it never names a row, only prefixes one.
    """
    if client_value and _VALID.match(client_value):
        return f"{client_value}-{secrets.token_hex(4)}"
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


def current_run_id() -> str | None:
    return run_id_var.get()
