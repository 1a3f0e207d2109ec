"""Logins cannot exhaust CPU or memory: hashing is bounded and rate limited.

Hashing ran in AnyIO's default thread pool (40 threads, shared with every `def` endpoint
and task); 200 wrong passwords in a row, then the right one, worked; registration hashed
before it checked the name. The live test starts a real server with the default argon2.
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import asynccontextmanager

import anyio.to_thread
import httpx
import pytest
from pydantic import ValidationError

from demo_app.config import Settings, get_settings
from demo_app.models import User
from demo_app.platform import security
from guide.live import PASSWORD, demo_stack
from tests.demo_app.support import register, rows

LIMITS = {
    "RATE_LIMIT_LOGIN_PER_USERNAME": "3/minute",
    "RATE_LIMIT_LOGIN_PER_IP": "6/minute",
    "RATE_LIMIT_REGISTER_PER_IP": "4/minute",
}


@pytest.fixture
def env(env, monkeypatch):
    for key, value in LIMITS.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return env | LIMITS


@pytest.fixture
def hashes(monkeypatch):
    """The hashes computed (hash or verify, the dummy one included)."""
    calls: list[str] = []
    real = security._in_hashing_thread

    async def counted(func, *args):
        calls.append(getattr(func, "__name__", "?"))
        return await real(func, *args)

    monkeypatch.setattr(security, "_in_hashing_thread", counted)
    return calls


async def login(client, username, password=PASSWORD):
    return await client.post(
        "/api/v1/auth/login", data={"username": username, "password": password}
    )


def assert_429(response):
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert retry_after in range(1, 61)  # seconds until the window frees a slot
    assert f"try again in {retry_after} s" in response.json()["detail"]


async def test_guessing_a_password_stops_at_the_limit_even_for_the_right_one(client, hashes):
    await register(client, "john")
    hashes.clear()
    for _ in range(3):
        assert (await login(client, "john", "wrong password")).status_code == 401
    assert_429(await login(client, "John", PASSWORD))  # the right password, too late
    assert len(hashes) == 3  # the refused attempt cost no hash
    assert (await login(client, "ann", "wrong password")).status_code == 401  # another name


@asynccontextmanager
async def client_at(app, address: str):
    """A client whose requests come from `address` (in process: nothing is sent anywhere)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_wrong_guesses_from_another_address_do_not_lock_the_owner_out(app, client):
    await register(client, "admin")
    async with client_at(app, "203.0.113.9") as stranger:
        for _ in range(3):
            assert (await login(stranger, "admin", "wrong password")).status_code == 401
        assert_429(await login(stranger, "admin", "wrong password"))
    assert (await login(client, "admin")).status_code == 200  # the owner, from their address


async def test_guesses_for_one_name_from_many_addresses_are_slowed_not_refused(
    app, client, monkeypatch
):
    monkeypatch.setenv("LOGIN_SLOWDOWN_PER_USERNAME", "2/minute")
    monkeypatch.setenv("LOGIN_SLOWDOWN_SECONDS", "0.5")
    get_settings.cache_clear()
    app.state.rate_limits = None  # made again from these settings
    await register(client, "admin")
    for n in range(2):
        async with client_at(app, f"203.0.113.{n}") as guesser:
            assert (await login(guesser, "admin", "wrong password")).status_code == 401
    started = time.perf_counter()
    assert (await login(client, "admin")).status_code == 200  # past the ceiling: slowed
    assert time.perf_counter() - started >= 0.5


async def test_a_form_posted_from_another_site_is_refused_and_not_counted(client, hashes):
    await register(client, "admin")
    hashes.clear()
    cross_site = {"Sec-Fetch-Site": "cross-site"}
    form = {"username": "admin", "password": "wrong password"}
    for _ in range(10):
        response = await client.post("/api/v1/auth/login", data=form, headers=cross_site)
        assert response.status_code == 403, response.text
    assert hashes == []
    same_origin = {"Sec-Fetch-Site": "same-origin"}  # the app's own pages: Swagger UI
    form["password"] = PASSWORD
    assert (await client.post("/api/v1/auth/login", data=form, headers=same_origin)).is_success


async def test_a_forwarded_for_header_buys_no_new_address_without_a_configured_proxy(app):
    # In process nothing rewrites the peer's address; uvicorn would, for a local sender.
    async with client_at(app, "127.0.0.1") as client:
        for n in range(6):
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            form = {"username": f"nobody{n}", "password": "wrong password"}
            response = await client.post("/api/v1/auth/login", data=form, headers=forged)
            assert response.status_code == 401
        forged = {"X-Forwarded-For": "198.51.100.99"}
        form = {"username": "someone", "password": "wrong password"}
        assert_429(await client.post("/api/v1/auth/login", data=form, headers=forged))
        # Without the header: the peer's own count, untouched by the forged ones.
        assert (await login(client, "someone", "wrong password")).status_code == 401


@pytest.mark.live
def test_on_uvicorn_rotating_x_forwarded_for_does_not_pass_the_limits():
    """uvicorn takes X-Forwarded-For from a local sender as the client's address by
    default: 40 logins and 15 sign-ups with rotated addresses went through the limits."""
    env = {"RATE_LIMIT_LOGIN_PER_IP": "6/minute", "RATE_LIMIT_REGISTER_PER_IP": "4/minute"}
    with demo_stack(env) as stack, httpx.Client(base_url=stack.url, timeout=30) as client:
        logins = [
            client.post(
                "/api/v1/auth/login",
                data={"username": f"nobody{n}", "password": "wrong password"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            for n in range(10)
        ]
        signups = [
            client.post(
                "/api/v1/auth/register",
                json={"username": f"user{n}", "email": f"u{n}@example.com", "password": PASSWORD},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            for n in range(6)
        ]
    assert logins == [401] * 6 + [429] * 4
    assert signups == [201] * 4 + [429] * 2


async def test_one_client_trying_many_names_stops_at_the_ip_limit(client, hashes):
    for n in range(6):
        assert (await login(client, f"nobody{n}", "wrong password")).status_code == 401
    assert_429(await login(client, "someone-else", "wrong password"))
    assert hashes == ["_verify_dummy"] * 6  # unknown users cost a (dummy) hash, until 429


async def test_registration_is_limited_per_client(client, mail):
    for n in range(4):
        await register(client, f"user{n}")
    payload = {"username": "user4", "email": "user4@example.com", "password": PASSWORD}
    assert_429(await client.post("/api/v1/auth/register", json=payload))
    assert len(await rows(User)) == 4 and len(mail.messages) == 4


async def test_a_taken_name_is_refused_before_any_hash(client, hashes):
    await register(client, "john")
    hashes.clear()
    payload = {"username": "JOHN", "email": "new@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/register", json=payload)).status_code == 409
    assert hashes == []


def test_a_rate_limit_setting_must_parse(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_LOGIN_PER_IP", "lots")
    with pytest.raises(ValidationError, match='written like "5/minute"'):
        Settings(_env_file=None, secret_key="k" * 32)


async def test_hashing_has_its_own_small_limiter(env, monkeypatch):
    """Ten hashes at once run two at a time (HASHING_THREADS=2), and meanwhile the default
    thread pool, which `def` endpoints and tasks use, still answers at once."""
    monkeypatch.setenv("HASHING_THREADS", "2")
    get_settings.cache_clear()
    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()
    loop = asyncio.get_running_loop()
    two_running = asyncio.Event()

    class SlowHasher:
        def hash(self, password: str) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
                if running == 2:
                    loop.call_soon_threadsafe(two_running.set)
            release.wait(5)
            with lock:
                running -= 1
            return "hashed"

    monkeypatch.setattr(security, "_current_hasher", lambda: SlowHasher())
    crowd = [asyncio.create_task(security.hash_password(PASSWORD)) for _ in range(10)]
    await asyncio.wait_for(two_running.wait(), 5)
    started = time.perf_counter()
    assert await anyio.to_thread.run_sync(lambda: 42) == 42  # not stuck behind the hashes
    waited = time.perf_counter() - started
    assert security.hashing_limiter().statistics().tasks_waiting == 8
    release.set()
    assert await asyncio.gather(*crowd) == ["hashed"] * 10
    assert most == 2
    assert waited < 1  # generous: the pool answers at once; the hashes block for 5 s


def test_by_default_the_limiter_has_one_thread_per_core(monkeypatch):
    import os

    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.delenv("HASHING_THREADS", raising=False)
    get_settings.cache_clear()
    try:

        async def total() -> float:
            return security.hashing_limiter().total_tokens

        assert anyio.run(total) == (os.cpu_count() or 1)
    finally:
        get_settings.cache_clear()


def rss_peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


@pytest.mark.live
def test_a_crowd_of_logins_with_the_default_cost_is_bounded_and_limited():
    """A real server, default argon2 (64 MiB per hash): 30 logins for unknown users at once
    (what took 2.7 GB before) stay far below that; then one client's guesses hit 429."""
    env = {"RATE_LIMIT_LOGIN_PER_IP": "1000/minute", "RATE_LIMIT_LOGIN_PER_USERNAME": "5/minute"}
    with demo_stack(env) as stack:
        assert stack.server.process is not None
        pid = stack.server.process.pid

        async def crowd() -> list[int]:
            async with httpx.AsyncClient(base_url=stack.url, timeout=60) as client:
                responses = await asyncio.gather(
                    *(
                        client.post(
                            "/api/v1/auth/login",
                            data={"username": f"nobody{n}", "password": "wrong password"},
                        )
                        for n in range(30)
                    )
                )
            return [r.status_code for r in responses]

        before = rss_peak_mb(pid)
        assert asyncio.run(crowd()) == [401] * 30
        peak = rss_peak_mb(pid)
        print(f"server peak RSS {before:.0f} MB before, {peak:.0f} MB after 30 logins")
        # two or so hashes at a time: 64 MiB each; 30 at once would be about 2 GB
        assert peak - before < 400

        with httpx.Client(base_url=stack.url, timeout=60) as client:
            form = {"username": "victim", "password": "guess"}
            statuses = [client.post("/api/v1/auth/login", data=form) for _ in range(6)]
        assert [r.status_code for r in statuses] == [401] * 5 + [429]
        assert int(statuses[-1].headers["Retry-After"]) in range(1, 61)
