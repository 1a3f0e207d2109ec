"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis, in-process).

Every operation gets generated requests, valid and invalid, as a user and as an admin,
through schemathesis's ASGI transport (one event loop of its own, the app's lifespan
started once). Each response must not be a 5xx, must have a status, content type, headers
and body that the schema documents. Cheap argon2 (the `env` fixture's FAST_HASHING).

In `make test` the examples come from a fixed seed (Hypothesis's `derandomize`), so a run
is reproducible and a failure shows again on the next run. `make fuzz` explores: fresh
seeds and more examples per operation (GUIDE_FUZZ_EXPLORE=1). Every failure either way
becomes a plain regression test beside its kind (for example the NUL bytes in
test_edges_input.py), so it is checked on every run whatever the seed.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from demo_app.main import create_app
from guide.live import PASSWORD
from tests.records import execute

pytestmark = pytest.mark.live  # about 30-60 s of requests on two cores

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXPLORE = os.environ.get("GUIDE_FUZZ_EXPLORE") == "1"
EXAMPLES_PER_OPERATION = 400 if EXPLORE else 40  # per role; operations without inputs: one
MIN_CASES = 1000


@pytest.fixture
def app(env):  # its event streams end at once (the env's EVENT_STREAM_SECONDS)
    app = create_app()
    yield app
    asgi.shutdown_lifespans()  # its engine and scheduler end with the test, not the process


def bearer(client, username: str) -> dict[str, str]:
    registered = client.post(
        "/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    token = client.post("/api/v1/auth/login", data={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def make_admin(database_url: str, username: str) -> None:
    execute(database_url, "UPDATE users SET is_admin = TRUE WHERE username = ?", username)


def fuzzer(operation, role: str, headers: dict[str, str], cases: Counter[str]):
    """A Hypothesis test of one operation: each case is sent and its response checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=not EXPLORE,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case) -> None:
        cases[f"{operation.label} as {role}"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    return fuzz


def test_the_api_answers_fuzzed_requests_as_its_schema_says(app, env):
    with asgi.get_client(app) as client:  # starts the lifespan on schemathesis's loop
        roles = {"user": bearer(client, "fuzzuser"), "admin": bearer(client, "fuzzadmin")}
    make_admin(env["DATABASE_URL"], "fuzzadmin")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    cases: Counter[str] = Counter()  # per operation and role
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in roles.items():
            try:
                fuzzer(operation, role, headers, cases)()
            except (Exception, BaseExceptionGroup) as exc:  # keep going: report them all
                failures[f"{operation.label} as {role}"] = f"{type(exc).__name__}: {exc}"[:1500]
    print(f"fuzzed {sum(cases.values())} cases:", dict(sorted(cases.items())))
    for label, failure in failures.items():
        print(f"--- {label}\n{failure}")
    assert list(failures) == []
    assert sum(cases.values()) >= MIN_CASES
