from demo_app.models import Achievement, AuditLog, Item
from tests.demo_app.support import rows, user_headers


async def create(client, headers, title="Write the guide", **fields):
    response = await client.post("/api/v1/items", json={"title": title, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_notifies_the_owner_and_audits(client, mail):
    headers = await user_headers(client, "john")
    item = await create(client, headers, description="all ten sections")
    assert item["description"] == "all ten sections"
    [notice] = [m for m in mail.messages if m.subject.startswith("Your item")]
    assert notice.subject == "Your item was created"  # the title is in the body, not here
    assert 'Your item "Write the guide" was created.' in notice.text
    assert notice.rcpt_tos == ("john@example.com",)
    [audit] = await rows(AuditLog, AuditLog.action == "CREATE_ITEM")
    assert audit.details == f"item_id: {item['id']}"


async def test_only_the_owner_sees_or_changes_an_item(client, mail):
    john = await user_headers(client, "john")
    eve = await user_headers(client, "eve")
    item = await create(client, john)
    url = f"/api/v1/items/{item['id']}"
    sent_before = len(mail.messages)
    assert (await client.get(url, headers=eve)).status_code == 404
    assert (await client.put(url, json={"title": "mine"}, headers=eve)).status_code == 404
    assert (await client.delete(url, headers=eve)).status_code == 404
    assert (await client.get("/api/v1/items", headers=eve)).json() == []
    assert (await client.get(url, headers=john)).json()["title"] == "Write the guide"
    assert len(mail.messages) == sent_before  # a refused request schedules nothing
    assert (await client.get(url)).status_code == 401


async def test_put_updates_every_field_it_is_given(client, mail):
    headers = await user_headers(client, "john")
    item = await create(client, headers, description="draft")
    url = f"/api/v1/items/{item['id']}"
    changed = await client.put(url, json={"title": "Ship it", "description": None}, headers=headers)
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["description"]) == ("Ship it", None)
    assert changed.json()["is_completed"] is False
    assert any('"Ship it" was updated' in m.text for m in mail.messages)
    assert (await client.put(url, json={"title": ""}, headers=headers)).status_code == 422


async def test_completion_awards_the_first_badge_once(client, mail):
    headers = await user_headers(client, "john")
    item = await create(client, headers)
    url = f"/api/v1/items/{item['id']}"
    for done in (True, False, True, True):  # complete, reopen, complete, save again
        response = await client.put(url, json={"is_completed": done}, headers=headers)
        assert response.json()["is_completed"] is done
    [badge] = await rows(Achievement)
    assert badge.code == "first-completion"
    subjects = [m.subject for m in mail.messages]
    assert subjects.count("Achievement unlocked: First step") == 1
    assert subjects.count("Your item was completed") == 2  # two transitions


async def test_five_completions_award_high_five(client):
    headers = await user_headers(client, "john")
    for n in range(5):
        item = await create(client, headers, title=f"task {n}")
        await client.put(
            f"/api/v1/items/{item['id']}", json={"is_completed": True}, headers=headers
        )
    codes = {a.code for a in await rows(Achievement)}
    assert codes == {"first-completion", "five-done"}


async def test_delete_is_soft_then_404(client, mail):
    headers = await user_headers(client, "john")
    item = await create(client, headers)
    url = f"/api/v1/items/{item['id']}"
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    [stored] = await rows(Item)
    assert stored.deleted_at is not None
    assert "Your item was deleted" in [m.subject for m in mail.messages]
    assert len(await rows(AuditLog, AuditLog.action == "DELETE_ITEM")) == 1


async def test_list_is_paginated_and_own_only(client):
    headers = await user_headers(client, "john")
    for n in range(3):
        await create(client, headers, title=f"task {n}")
    page = await client.get("/api/v1/items", params={"offset": 1, "limit": 1}, headers=headers)
    assert [i["title"] for i in page.json()] == ["task 1"]
    bad = await client.get("/api/v1/items", params={"limit": 0}, headers=headers)
    assert bad.status_code == 422


async def test_explicit_null_for_a_required_field_is_422_not_500(client):
    headers = await user_headers(client, "john")
    item = await create(client, headers)
    url = f"/api/v1/items/{item['id']}"
    for body in ({"title": None}, {"is_completed": None}):
        response = await client.put(url, json=body, headers=headers)
        assert response.status_code == 422
        assert "cannot be null" in response.text
    assert (await client.get(url, headers=headers)).json()["title"] == "Write the guide"
