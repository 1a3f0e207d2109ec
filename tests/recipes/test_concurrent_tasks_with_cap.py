import logging
import time

import anyio

from guide.recipes import concurrent_tasks_with_cap as recipe
from tests.recipes.conftest import asgi

EMAILS = [f"user{n}@example.com" for n in range(6)]


async def test_six_sends_three_at_a_time(monkeypatch, caplog):
    in_flight: set[str] = set()
    most = 0
    sent = []

    async def send_invite(email: str) -> None:
        nonlocal most
        in_flight.add(email)
        most = max(most, len(in_flight))
        await anyio.sleep(0.3)
        in_flight.discard(email)
        if email == EMAILS[0]:
            raise ConnectionError("mailbox full")
        sent.append(email)

    monkeypatch.setattr(recipe, "send_invite", send_invite)
    caplog.set_level(logging.ERROR, logger="tasks")
    async with asgi(recipe.app) as client:
        started = time.monotonic()
        response = await client.post("/invites", json=EMAILS)  # returns once the task ends
        took = time.monotonic() - started

    assert response.json() == {"queued": 6}
    assert most == recipe.LIMIT == 3
    assert 0.6 <= took < 1.5, f"took {took:.2f}s"  # two rounds of 0.3 s, not six
    assert sorted(sent) == EMAILS[1:]
    assert caplog.messages == [f"invite to {EMAILS[0]} failed"]
    print(f"six 0.3 s sends, three at a time: {took:.2f}s")
