"""The demo's rate limits are counted in each process's memory: every worker process
builds its own counts, so N workers (`uvicorn --workers N`, N containers) allow N times
the limit to a client whose requests are spread over them. A shared store (`limits`'
Redis storage) would count them together."""

import pytest
from fastapi import HTTPException

from demo_app.config import Settings
from demo_app.platform.limits import RateLimits

CLAIM = "rate-limits-per-process"
WORKERS = 2


def allowed(limits: RateLimits, ip: str, tries: int) -> int:
    """How many of `tries` registrations from `ip` get past the limit."""
    passed = 0
    for _ in range(tries):
        try:
            limits.register(ip)
        except HTTPException as refused:
            assert refused.status_code == 429
        else:
            passed += 1
    return passed


@pytest.mark.parametrize("limit", [3, 5])
def test_each_process_allows_the_whole_limit(limit):
    settings = Settings(rate_limit_register_per_ip=f"{limit}/minute")
    processes = [RateLimits(settings) for _ in range(WORKERS)]  # what each worker builds
    assert [allowed(p, "203.0.113.7", limit + 2) for p in processes] == [limit] * WORKERS
