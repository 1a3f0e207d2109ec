"""The platform ring: rate limits on login and registration, as route dependencies (the
`limits` package, in memory, moving window).

Each app keeps its own counts, in this process's memory: with several worker processes
each counts apart (a shared store, such as `limits`' Redis storage, would count them
together). The client is told how long to wait: 429 with a Retry-After header.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

import anyio
from fastapi import Depends, Form, HTTPException, Request, status
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from demo_app.config import Settings, get_settings
from demo_app.schemas import LoginForm

RATE_LIMITED = {"description": "Too many attempts: try again after Retry-After seconds"}


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.login_per_username = parse(settings.rate_limit_login_per_username)
        self.login_per_ip = parse(settings.rate_limit_login_per_ip)
        self.register_per_ip = parse(settings.rate_limit_register_per_ip)
        self.slowdown_per_username = parse(settings.login_slowdown_per_username)
        self.slowdown_seconds = settings.login_slowdown_seconds

    def hit(self, limit: RateLimitItem, what: str, *key: str) -> None:
        """Count one more; past the limit, 429 saying when to try again (counts nothing)."""
        if self.limiter.hit(limit, what, *key):
            return
        reset_at, _ = self.limiter.get_window_stats(limit, what, *key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many {what} attempts: try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    def login(self, ip: str, username: str) -> float:
        """429 past the address's limit, or the name's from this address. Returns how long
        to wait first: past the name's limit from all addresses, it slows, never refuses."""
        name = username.lower()
        self.hit(self.login_per_ip, "login", "ip", ip)
        self.hit(self.login_per_username, "login", "user-from-ip", name, ip)
        if self.limiter.hit(self.slowdown_per_username, "login", "user", name):
            return 0.0
        return self.slowdown_seconds

    def register(self, ip: str) -> None:
        self.hit(self.register_per_ip, "registration", "ip", ip)


def get_rate_limits(request: Request) -> RateLimits:
    """The app's limits, made on first use: two apps (two tests) count apart."""
    state = request.app.state
    if getattr(state, "rate_limits", None) is None:
        state.rate_limits = RateLimits(get_settings())
    return state.rate_limits


def client_ip(request: Request) -> str:
    """The address the limits count by: the peer's, or the client's as the proxy in front
    says it (uvicorn puts it in `request.client` for the addresses FORWARDED_ALLOW_IPS
    names, and by default for 127.0.0.1).

    With no proxy configured, a request carrying X-Forwarded-For may have named its own
    address (uvicorn believes any local sender by default): such requests share one count,
    so rotating the header buys nothing.
    """
    forwarded = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    if forwarded and not get_settings().forwarded_allow_ips:
        return "forwarded-without-a-configured-proxy"
    return request.client.host if request.client else "unknown"


RateLimitsDep = Annotated[RateLimits, Depends(get_rate_limits)]


def limit_registrations(request: Request, limits: RateLimitsDep) -> None:
    """On the register route's decorator: counted before anything else is done."""
    limits.register(client_ip(request))


async def limit_logins(
    request: Request, limits: RateLimitsDep, form: Annotated[LoginForm, Form()]
) -> None:
    """On the login route's decorator. Counted before the hash: a guesser (or a crowd) past
    the limit costs no CPU. Every attempt counts, so 200 wrong passwords in a row from one
    address are 5 tries a minute, then 429s; from many addresses, each waits its turn."""
    wait = limits.login(client_ip(request), form.username)
    if wait:
        await anyio.sleep(wait)  # a sleeping request costs no CPU and holds no connection
