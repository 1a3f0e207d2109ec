"""Password hashing (pwdlib, argon2) and access tokens (PyJWT)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import anyio.to_thread
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from demo_app.config import get_settings
from demo_app.models import User, id_of

ALGORITHM = "HS256"


@lru_cache
def _hasher(time_cost: int, memory_cost: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))


def _current_hasher() -> PasswordHash:
    s = get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_cost)


# Argon2 is deliberately slow CPU work: run it in a worker thread, not on the event loop.
async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_current_hasher().hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    """False for a missing user too, after the same work: timing does not reveal usernames."""
    if hashed is None:
        await anyio.to_thread.run_sync(_current_hasher().verify, password, _dummy_hash())
        return False
    return await anyio.to_thread.run_sync(_current_hasher().verify, password, hashed)


@lru_cache
def _dummy_hash() -> str:
    return _current_hasher().hash("not the password of anyone")


# A token names its user by id, and ids are reused once a user is deleted: it also names
# the account (its creation time), so a new account that gets the same id does not
# inherit the old one's tokens. `iat` and `jti` date and name each token; `exp` is required.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "acct"]


def account_stamp(user: User) -> str:
    """What tells this account from an earlier or later one with the same id."""
    # naive UTC, microseconds: what SQLite gives back for the aware value written
    return user.created_at.replace(tzinfo=None).isoformat(timespec="microseconds")


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
