"""Bad input at the edge: a clear 422, never a 500, never a task that dies on it later.

Ids and offsets past SQLite's 64-bit integers would raise OverflowError (a 500).
Control characters in titles, subjects and usernames, accepted, would make every email
attempt fail until the run was dead.
"""

from __future__ import annotations

import pytest

from demo_app.models import AuditLog, Item, Newsletter, TaskRun
from demo_app.schemas import multi_line, single_line
from tests.demo_app.support import admin_headers, reader, rows, user_headers

HUGE = [10**30, 2**63, 2**31]


@pytest.mark.parametrize("number", HUGE)
async def test_huge_ids_and_offsets_are_422_not_500(client, number):
    user = await user_headers(client, "john")
    admin = await admin_headers(client)
    for method, url, headers in [
        ("GET", f"/api/v1/items/{number}", user),
        ("PUT", f"/api/v1/items/{number}", user),
        ("DELETE", f"/api/v1/items/{number}", user),
        ("GET", f"/api/v1/items?offset={number}", user),
        ("GET", f"/api/v1/tasks?offset={number}", admin),
    ]:
        response = await client.request(method, url, headers=headers, json={"title": "x"})
        assert response.status_code == 422, (method, url, response.text)
    # The largest accepted values still answer normally.
    biggest = 2**31 - 1
    assert (await client.get(f"/api/v1/items/{biggest}", headers=user)).status_code == 404
    assert (await client.get(f"/api/v1/items?offset={biggest}", headers=user)).json() == []
    assert (await client.get(f"/api/v1/tasks?offset={biggest}", headers=admin)).json() == []


BAD_ONE_LINE = ["a\rb", "a\nb", "a\r\nb", "a\x00b", "a\u2028b", "a\u2029b", "a\x1bb", "a\u202eb"]


@pytest.mark.parametrize("title", BAD_ONE_LINE)
async def test_a_title_with_a_control_character_is_422_and_schedules_nothing(client, title):
    headers = await user_headers(client, "john")
    before = len(await rows(TaskRun))
    response = await client.post("/api/v1/items", json={"title": title}, headers=headers)
    assert response.status_code == 422, response.text
    assert "control character" in response.text
    assert await rows(Item) == [] and len(await rows(TaskRun)) == before
    item = (await client.post("/api/v1/items", json={"title": "ok"}, headers=headers)).json()
    url = f"/api/v1/items/{item['id']}"
    assert (await client.put(url, json={"title": title}, headers=headers)).status_code == 422
    assert (await client.get(url, headers=headers)).json()["title"] == "ok"


@pytest.mark.parametrize("subject", BAD_ONE_LINE)
async def test_a_newsletter_subject_with_a_control_character_is_422(client, mail, subject):
    headers = await admin_headers(client)
    sent = len(mail.messages)
    payload = {"subject": subject, "body": "hello"}
    response = await client.post("/api/v1/send-newsletter", json=payload, headers=headers)
    assert response.status_code == 422, response.text
    assert await rows(Newsletter) == [] and len(mail.messages) == sent


async def test_a_multi_line_body_keeps_newlines_and_tabs_but_not_nul(client, mail):
    headers = await admin_headers(client)
    await reader(client, mail, "reader")
    url = "/api/v1/send-newsletter"
    bad = {"subject": "News", "body": "line\x00two"}
    assert (await client.post(url, json=bad, headers=headers)).status_code == 422
    bad = {"subject": "News", "body": "line\u2028two"}
    assert (await client.post(url, json=bad, headers=headers)).status_code == 422
    good = {"subject": "News", "body": "line one\r\n\tline two"}
    response = await client.post(url, json=good, headers=headers)
    assert response.status_code == 202, response.text
    [letter] = await rows(Newsletter)
    assert letter.body == "line one\n\tline two"
    assert [m.subject for m in mail.messages].count("News") == 1


@pytest.mark.parametrize("username", ["ann\n", "ann\r\nx", "an\x00n", "ann\u2028"])
async def test_a_username_with_a_control_character_is_422(client, username):
    payload = {"username": username, "email": "ann@example.com", "password": "x" * 12}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 422, response.text
    assert await rows(AuditLog) == []


def test_the_validators_name_the_character():
    with pytest.raises(ValueError, match=r"U\+2028"):
        single_line("a\u2028b")
    assert multi_line("a\r\nb\tc") == "a\nb\tc"
    with pytest.raises(ValueError, match=r"U\+000D"):
        multi_line("a\rb")
    assert single_line("Ünïcødé ✓ 🎉 title") == "Ünïcødé ✓ 🎉 title"


@pytest.mark.parametrize("value", ["xdeadx", "dead\n", "dead%", "DEAD", "dead,failed"])
async def test_the_status_filter_is_one_of_the_run_states_exactly(client, value):
    """The status filter is the RunStatus enum exactly, not a pattern that matches inside."""
    admin = await admin_headers(client)
    response = await client.get("/api/v1/tasks", params={"status": value}, headers=admin)
    assert response.status_code == 422, response.text
    ok = await client.get("/api/v1/tasks", params={"status": "dead"}, headers=admin)
    assert ok.status_code == 200 and ok.json() == []


# Every text input that reaches a query: form fields, path ids and query filters. PostgreSQL
# refuses a NUL byte in text ("invalid byte sequence for encoding UTF8: 0x00"), which was a
# 500 there while SQLite answered 401 or 404: the edge refuses it on both.
NUL_INPUTS = [
    ("POST", "/api/v1/auth/login", {"data": {"username": "a\x00b", "password": "whatever"}}),
    ("POST", "/api/v1/auth/login", {"data": {"username": "x" * 10_000, "password": "whatever"}}),
    ("GET", "/api/v1/uploads/a%00b", {}),
    ("GET", "/api/v1/tasks?name=a%00b", {}),
    ("POST", "/api/v1/tasks/a%00b/retry", {}),
    ("GET", "/api/v1/requests/a%00b/timeline", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), NUL_INPUTS)
async def test_a_nul_byte_in_any_text_input_is_422_on_every_database(client, method, url, kwargs):
    headers = await admin_headers(client)
    response = await client.request(method, url, headers=headers, **kwargs)
    assert response.status_code == 422, (url, response.status_code, response.text)
    # The password is never echoed back, whatever was wrong with the form.
    assert "whatever" not in response.text


SECRET = "hunter2!"  # too short: 422, and it must not come back


@pytest.mark.parametrize(
    ("url", "kwargs"),
    [
        ("/api/v1/auth/register", {"json": {"username": "ann", "password": SECRET}}),
        ("/api/v1/auth/register", {"json": {"username": "a", "email": "x", "password": SECRET}}),
        ("/api/v1/auth/login", {"data": {"username": "a\x00", "password": SECRET}}),
        ("/api/v1/auth/login", {"data": {"password": SECRET}}),
    ],
)
async def test_a_422_never_echoes_the_submitted_password(client, url, kwargs):
    response = await client.post(url, **kwargs)
    assert response.status_code == 422
    assert SECRET not in response.text
    assert response.json()["detail"]  # still says what is wrong
