"""Password hashing (pwdlib, argon2) and access tokens (PyJWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import anyio.to_thread
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from demo_app.config import get_settings

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


def create_access_token(user_id: int) -> str:
    settings = get_settings()
    expires = datetime.now(UTC) + timedelta(minutes=settings.access_token_expire_minutes)
    payload = {"sub": str(user_id), "exp": expires}
    return jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str) -> int:
    """The user id in a valid token; raises jwt.InvalidTokenError otherwise."""
    payload = jwt.decode(token, get_settings().secret_key, algorithms=[ALGORITHM])
    return int(payload["sub"])
