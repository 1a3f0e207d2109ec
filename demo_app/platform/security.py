"""The platform ring: password hashing (pwdlib, argon2) and access tokens (PyJWT)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TypeVar

import anyio
import anyio.to_thread
import jwt
from anyio.lowlevel import RunVar
from fastapi import HTTPException, Request, status
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from demo_app.config import get_settings
from demo_app.models import User, id_of

ALGORITHM = "HS256"
T = TypeVar("T")


@lru_cache
def _hasher(time_cost: int, memory_cost: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))


def _current_hasher() -> PasswordHash:
    s = get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_cost)


# --8<-- [start:hashing_limiter]
# Argon2 is deliberately slow CPU work (and 64 MiB of memory per hash): run it in a worker
# thread, not on the event loop, and in few threads at once. AnyIO's default limiter lets
# 40 threads run, shared with every `def` endpoint and task: 60 logins at once then took
# 2.7 GB and both cores. Hashing has its own limiter, about one thread per core: a crowd of
# logins waits its turn (holding no thread, no memory) while other requests are served.
_hashing: RunVar[anyio.CapacityLimiter] = RunVar("hashing")


def hashing_limiter() -> anyio.CapacityLimiter:
    """This event loop's limiter for hashing: HASHING_THREADS, or the core count."""
    try:
        return _hashing.get()
    except LookupError:
        threads = get_settings().hashing_threads or os.cpu_count() or 1
        limiter = anyio.CapacityLimiter(threads)
        _hashing.set(limiter)
        return limiter


async def _in_hashing_thread(func: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(func, *args, limiter=hashing_limiter())


async def hash_password(password: str) -> str:
    return await _in_hashing_thread(_current_hasher().hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    """False for a missing user too, after the same work: timing does not reveal usernames."""
    if hashed is None:
        await _in_hashing_thread(_verify_dummy, password)
        return False
    return await _in_hashing_thread(_current_hasher().verify, password, hashed)


# --8<-- [end:hashing_limiter]


def _verify_dummy(password: str) -> bool:
    """The work of a real verify, against a hash of no one's password (in the thread)."""
    s = get_settings()
    return _current_hasher().verify(password, _dummy_hash(s.argon2_time_cost, s.argon2_memory_cost))


@lru_cache
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return _hasher(time_cost, memory_cost).hash("not the password of anyone")


# A token names its user by id, and ids are reused once a user is deleted: it also names
# the account (its creation time), so a new account that gets the same id does not
# inherit the old one's tokens. `iat` and `jti` date and name each token; `exp` is required.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "acct"]


def account_stamp(user: User) -> str:
    """What tells this account from an earlier or later one with the same id, and this
    password from the one before: a changed password invalidates every token issued."""
    # naive UTC, microseconds: what SQLite gives back for the aware value written
    created = user.created_at.replace(tzinfo=None).isoformat(timespec="microseconds")
    password = hashlib.sha256(user.hashed_password.encode()).hexdigest()[:16]
    return f"{created}/{password}"


def create_access_token(user: User) -> str:
    settings = get_settings()
    now = datetime.now(UTC)
    payload = {
        "sub": str(id_of(user)),
        "acct": account_stamp(user),
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_expire_minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str) -> tuple[int, str]:
    """The user id and account stamp in a valid token; raises jwt.InvalidTokenError otherwise
    (a bad signature, a missing or past `exp`, a missing claim)."""
    payload = jwt.decode(
        token,
        get_settings().secret_key,
        algorithms=[ALGORITHM],
        options={"require": REQUIRED_CLAIMS},
    )
    sub, acct = payload["sub"], payload["acct"]
    # an id a database column can hold: a 64-bit integer (a longer one is no user's)
    if not (
        isinstance(sub, str)
        and sub.isascii()
        and sub.isdigit()
        and len(sub) <= 18
        and isinstance(acct, str)
    ):
        raise jwt.InvalidTokenError("malformed sub or acct claim")
    return int(sub), acct


# --8<-- [start:refuse_cross_site]
def refuse_cross_site(request: Request) -> None:
    """403 for a form another site's page makes a browser post here.

    A browser says where a request comes from (`Sec-Fetch-Site`): from a page of this
    app it is `same-origin`, typed or bookmarked `none`. A plain HTML form on any other
    site could otherwise make every visitor's browser post wrong passwords for a name.
    Clients that send no such header (curl, httpx, scripts) are not concerned.
    """
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Cross-site form posts are refused")


# --8<-- [end:refuse_cross_site]


# Links in emails carry a signed token of their own: what the link is for (`purpose`), the
# address it was sent to, and for a confirmation link the account and an expiry. No access
# token is one (they have no `purpose`), and no link token is an access token (no `acct`).
LINK_CLAIMS = ["purpose", "email", "iat"]


def create_link_token(
    purpose: str, email: str, *, username: str | None = None, lifetime: timedelta | None = None
) -> str:
    now = datetime.now(UTC)
    payload: dict[str, object] = {"purpose": purpose, "email": email, "iat": now}
    if username is not None:
        payload["sub"] = username
    if lifetime is not None:
        payload["exp"] = now + lifetime
    return jwt.encode(payload, get_settings().secret_key, algorithm=ALGORITHM)


def read_link_token(token: str, purpose: str) -> tuple[str, str | None]:
    """The address (and account name, if any) of a valid token for `purpose`; raises
    jwt.ExpiredSignatureError past its expiry, jwt.InvalidTokenError for anything else."""
    payload = jwt.decode(
        token, get_settings().secret_key, algorithms=[ALGORITHM], options={"require": LINK_CLAIMS}
    )
    email, username = payload["email"], payload.get("sub")
    if payload["purpose"] != purpose or not isinstance(email, str):
        raise jwt.InvalidTokenError(f"not a {purpose} link")
    if username is not None and not isinstance(username, str):
        raise jwt.InvalidTokenError("malformed sub claim")
    return email, username
