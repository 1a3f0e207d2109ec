import httpx
import pytest
import stamina
from stamina.instrumentation import RetryDetails, get_on_retry_hooks, set_on_retry_hooks

from guide.recipes import retry_with_backoff
from tests.recipes.conftest import asgi
from tests.recipes.webhook import webhook


async def post_signup(user_id: int) -> httpx.Response:
    async with asgi(retry_with_backoff.app) as client:  # returns once the task is done
        return await client.post(f"/users/{user_id}")


@pytest.fixture
def retries():
    """Each retry stamina schedules: its number and the wait it chose."""
    seen: list[RetryDetails] = []
    before = get_on_retry_hooks()
    set_on_retry_hooks([seen.append])
    yield seen
    set_on_retry_hooks(before)


@pytest.mark.slow  # waits out real backoff
async def test_server_errors_are_retried_with_growing_waits(monkeypatch, retries):
    with webhook(503, 503, 200) as hook:
        monkeypatch.setattr(retry_with_backoff, "WEBHOOK_URL", hook.url)
        response = await post_signup(1)
    assert response.status_code == 200
    assert len(hook.arrivals) == 3
    first, second = (retry.wait_for for retry in retries)
    assert 0.2 <= first <= 0.3 < 0.4 <= second <= 0.5  # wait_initial, doubled; jitter <= 0.1
    assert all(gap >= wait for gap, wait in zip(hook.gaps(), (first, second), strict=True))
    print(f"waits between attempts: {first:.2f}s, {second:.2f}s")


async def test_a_client_error_is_not_retried(monkeypatch, retries):
    with webhook(400) as hook:
        monkeypatch.setattr(retry_with_backoff, "WEBHOOK_URL", hook.url)
        with pytest.raises(httpx.HTTPStatusError):
            await post_signup(2)
    assert len(hook.arrivals) == 1
    assert retries == []


@pytest.fixture
def no_waits():
    """stamina's test mode: the same number of attempts, without the waits."""
    stamina.set_testing(True, attempts=4)
    yield
    stamina.set_testing(False)


async def test_after_the_last_attempt_the_error_is_raised(monkeypatch, retries, no_waits):
    with webhook(503, 503, 503, 503, 503) as hook:
        monkeypatch.setattr(retry_with_backoff, "WEBHOOK_URL", hook.url)
        with pytest.raises(httpx.HTTPStatusError):
            await post_signup(3)
    assert len(hook.arrivals) == 4
    assert [retry.wait_for for retry in retries] == [0, 0, 0]
