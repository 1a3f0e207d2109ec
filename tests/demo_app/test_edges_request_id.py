"""A client's X-Request-ID is a readable prefix, never a key.

Audit rows were unique on (request id, action, username): three logins sent with one id
left one LOGIN row. Reusing another user's id overwrote that user's request record. Now
the server makes every id (the client's value is only a prefix) and the audit key is the
task run.
"""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from demo_app.models import AuditLog, RequestRecord, TaskRun
from demo_app.platform.context import new_request_id
from guide.live import FAST_HASHING, PASSWORD, demo_stack
from tests.demo_app.support import register, rows

OURS = re.compile(r"same-id-[0-9a-f]{8}")


async def test_three_logins_with_one_client_id_are_three_audit_rows(client):
    await register(client, "ann")
    form = {"username": "ann", "password": PASSWORD}
    ids = []
    for _ in range(3):
        response = await client.post(
            "/api/v1/auth/login", data=form, headers={"X-Request-ID": "same-id"}
        )
        assert response.status_code == 200
        ids.append(response.headers["X-Request-ID"])
    assert all(OURS.fullmatch(i) for i in ids) and len(set(ids)) == 3
    logins = await rows(AuditLog, AuditLog.action == "LOGIN")
    assert sorted(a.request_id for a in logins) == sorted(ids)
    assert len({a.run_id for a in logins}) == 3
    runs = await rows(TaskRun, TaskRun.name == "log_user_action")
    assert {r.result for r in runs} == {True}  # none "succeeded" without writing its row


async def test_reusing_someone_elses_id_does_not_overwrite_their_record(client):
    first = await client.post(
        "/api/v1/auth/register",
        json={"username": "ann", "email": "ann@example.com", "password": PASSWORD},
        headers={"X-Request-ID": "victim"},
    )
    victim_id = first.headers["X-Request-ID"]
    # The attacker sends the victim's id, and even the server's full id for it.
    for sent in ("victim", victim_id):
        response = await client.get("/api/v1/users/me", headers={"X-Request-ID": sent})
        assert response.headers["X-Request-ID"] != victim_id
    [record] = await rows(RequestRecord, RequestRecord.request_id == victim_id)
    assert (record.method, record.path, record.status_code) == (
        "POST",
        "/api/v1/auth/register",
        201,
    )
    assert len(await rows(RequestRecord)) == 3


@pytest.mark.parametrize(
    "sent, form",
    [
        (None, r"[0-9a-f]{32}"),
        ("", r"[0-9a-f]{32}"),
        ("a" * 65, r"[0-9a-f]{32}"),
        ("not a token; DROP TABLE", r"[0-9a-f]{32}"),
        ("line\nbreak", r"[0-9a-f]{32}"),
        ("ok\n", r"[0-9a-f]{32}"),  # `$` would have let the newline through
        ("a" * 64, "a" * 64 + r"-[0-9a-f]{8}"),
        ("trace.me_42-x", r"trace\.me_42-x-[0-9a-f]{8}"),
    ],
)
def test_the_server_always_makes_the_id(sent, form):
    made = new_request_id(sent)
    assert re.fullmatch(form, made), made
    assert new_request_id(sent) != made  # never the same twice


@pytest.mark.live
def test_on_a_real_server_one_client_id_three_logins_three_rows():
    with demo_stack(FAST_HASHING) as stack:
        base = f"{stack.url}/api/v1"
        user = {"username": "ann", "email": "ann@example.com", "password": PASSWORD}
        assert httpx.post(f"{base}/auth/register", json=user).status_code == 201
        sent = {"X-Request-ID": "same-id"}
        ids = [
            httpx.post(f"{base}/auth/login", data=user, headers=sent).headers["X-Request-ID"]
            for _ in range(3)
        ]
        for request_id in ids:
            line = rf"\[{re.escape(request_id)}\] task log_user_action succeeded"
            stack.server.wait_for_line(line, 10)
        path = stack.database_url.split("///", 1)[1]
        with sqlite3.connect(path) as db:
            found = db.execute("SELECT request_id FROM audit_logs WHERE action='LOGIN'").fetchall()
            records = db.execute("SELECT count(*) FROM request_records").fetchone()[0]
    print(f"3 logins sent with X-Request-ID same-id: {len(found)} LOGIN rows, ids {ids}")
    assert sorted(r for (r,) in found) == sorted(ids) and len(set(ids)) == 3
    assert records == 4  # one per request: none overwritten
