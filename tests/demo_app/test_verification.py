"""Addresses are confirmed through a signed link before the newsletter goes to them; every
letter carries its reader's own unsubscribe link; an unconfirmed sign-up does not hold an
address forever. On both databases, with a real SMTP sink."""

from __future__ import annotations

from datetime import timedelta

import jwt
from jinja2 import meta
from sqlalchemy import update

from demo_app import db
from demo_app.lesson.email import templates
from demo_app.models import Item, User, utcnow
from demo_app.platform.security import ALGORITHM, create_link_token
from guide.live import PASSWORD
from tests.demo_app.support import (
    admin_headers,
    confirm,
    link_in,
    login,
    reader,
    register,
    rows,
)

LETTER = {"subject": "Release notes", "body": "Background tasks, measured."}


async def user(username: str) -> User:
    [found] = await rows(User, User.username == username)
    return found


async def newsletter(client, admin) -> list:
    response = await client.post("/api/v1/send-newsletter", json=LETTER, headers=admin)
    assert response.status_code == 202, response.text
    return response.json()["recipients"]


async def test_the_welcome_link_confirms_the_address_once(client, mail):
    await register(client, "ann")
    assert (await user("ann")).email_verified_at is None
    [welcome] = mail.to("ann@example.com")
    url = link_in(welcome, "/auth/verify")
    assert url in welcome.html.replace("&amp;", "&")
    first = await client.get(url)
    assert first.status_code == 200, first.text
    assert first.json()["email_verified_at"] is not None
    assert (await user("ann")).email_verified_at is not None
    again = await client.get(url)
    assert again.status_code == 409
    assert again.json()["detail"] == "This address is already confirmed"


async def test_expired_forged_tampered_and_misused_links_are_refused(client, mail, env):
    await register(client, "bob")
    email, hour = "bob@example.com", timedelta(hours=1)
    expired = create_link_token("verify", email, username="bob", lifetime=-hour)
    claims = {"purpose": "verify", "email": email, "sub": "bob", "iat": utcnow()}
    forged = jwt.encode(
        claims | {"exp": utcnow() + hour},
        "not the server's key, but long enough for HS256 to sign",
        algorithm=ALGORITHM,
    )
    good = link_in(mail.to(email)[0], "/auth/verify").split("token=")[1]
    header, claims, signature = good.split(".")
    tampered = ".".join([header, claims[:-2] + ("AA" if claims[-2:] != "AA" else "BB"), signature])
    unsubscribe = create_link_token("unsubscribe", email)
    access = (await login(client, "bob"))["Authorization"].removeprefix("Bearer ")
    cases = {
        expired: "This link has expired",
        forged: "This link is not valid",
        tampered: "This link is not valid",
        unsubscribe: "This link is not valid",
        access: "This link is not valid",
        create_link_token("verify", email, username="eve", lifetime=hour): "names no account",
    }
    for token, detail in cases.items():
        response = await client.get("/api/v1/auth/verify", params={"token": token})
        assert response.status_code == 400, (detail, response.text)
        assert detail in response.json()["detail"]
    assert (await client.get("/api/v1/auth/verify", params={"token": "a b"})).status_code == 422
    assert (await user("bob")).email_verified_at is None


async def test_no_subject_carries_the_name_chosen_at_sign_up(client, mail):
    name = "click-me.example"
    await register(client, name, subscribe=True)
    await confirm(client, mail, name)
    admin = await admin_headers(client)
    await newsletter(client, admin)
    received = mail.to(f"{name}@example.com")
    assert [m.subject for m in received] == [
        "Welcome to the guide demo: confirm your address",
        "Release notes",
    ]
    assert name not in received[0].text + received[0].html


# What a subject may show: a notification's type, a badge's name, the admin's subject.
SERVER_CHOSEN = {"notification_type", "title", "subject"}


def test_no_subject_template_shows_text_an_account_chose():
    subjects = templates.list_templates(filter_func=lambda name: name.endswith(".subject.txt"))
    assert len(subjects) == 4
    for name in subjects:
        source = templates.loader.get_source(templates, name)[0]  # type: ignore[union-attr]
        used = meta.find_undeclared_variables(templates.parse(source))
        assert used <= SERVER_CHOSEN, (name, used)


async def test_the_newsletter_skips_unconfirmed_addresses(client, mail):
    admin = await admin_headers(client)
    await reader(client, mail, "kept")
    await register(client, "unconfirmed", subscribe=True)
    assert await newsletter(client, admin) == 1
    letters = [m for m in mail.messages if m.subject == "Release notes"]
    assert [m.rcpt_tos[0] for m in letters] == ["kept@example.com"]


async def test_each_letter_unsubscribes_its_reader_without_a_login(client, mail):
    admin = await admin_headers(client)
    await reader(client, mail, "ann")
    await reader(client, mail, "cid")
    await newsletter(client, admin)
    [letter] = [m for m in mail.to("ann@example.com") if m.subject == "Release notes"]
    url = link_in(letter, "/newsletter/unsubscribe")
    assert letter.message["List-Unsubscribe"] == f"<http://127.0.0.1:8000{url}>"
    assert letter.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in letter.html.replace("&amp;", "&")

    asked = await client.get(url)  # a link scanner's visit changes nothing
    assert asked.status_code == 200 and '<form method="post">' in asked.text
    assert (await user("ann")).is_subscribed
    done = await client.post(url, content="List-Unsubscribe=One-Click")  # the one-click form
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert not (await user("ann")).is_subscribed
    assert (await user("cid")).is_subscribed  # ann's link is ann's only

    assert await newsletter(client, admin) == 1
    later = [m.rcpt_tos[0] for m in mail.messages if m.subject == "Release notes"]
    assert later.count("ann@example.com") == 1 and later.count("cid@example.com") == 2


async def test_a_forged_unsubscribe_link_is_refused(client, mail):
    await reader(client, mail, "dan")
    forged = jwt.encode(
        {"purpose": "unsubscribe", "email": "dan@example.com", "iat": utcnow()},
        "someone else's key, long enough to sign with HS256 too",
        algorithm=ALGORITHM,
    )
    verify_link = create_link_token("verify", "dan@example.com", username="dan")
    for token in (forged, verify_link):
        for method in ("GET", "POST"):
            url = "/api/v1/newsletter/unsubscribe"
            response = await client.request(method, url, params={"token": token})
            assert response.status_code == 400, response.text
    assert (await user("dan")).is_subscribed


async def squat(client, username: str, email: str) -> int:
    payload = {"username": username, "email": email, "password": PASSWORD}
    return (await client.post("/api/v1/auth/register", json=payload)).status_code


async def age(username: str, hours: float) -> None:
    async with db.session() as session:
        when = utcnow() - timedelta(hours=hours)
        await session.exec(update(User).where(User.username == username).values(created_at=when))
        await session.commit()


async def test_an_unconfirmed_sign_up_holds_an_address_only_until_its_link_expires(client, mail):
    victim = "owner@example.com"
    assert await squat(client, "squatter", victim) == 201
    [old_welcome] = mail.to(victim)
    headers = await login(client, "squatter")
    created = await client.post("/api/v1/items", json={"title": "mine"}, headers=headers)
    assert created.status_code == 201
    assert await squat(client, "owner", victim) == 409  # within the link's 24 hours

    await age("squatter", 25)
    assert await squat(client, "owner", victim) == 201
    assert await rows(User, User.username == "squatter") == []
    assert await rows(Item, Item.title == "mine") == []
    stale = await client.get(link_in(old_welcome, "/auth/verify"))
    assert stale.status_code == 400  # the squatter's link names no account now
    await confirm_last(client, mail, victim)
    assert (await user("owner")).email_verified_at is not None


async def confirm_last(client, mail, address: str) -> None:
    response = await client.get(link_in(mail.to(address)[-1], "/auth/verify"))
    assert response.status_code == 200, response.text


async def test_a_confirmed_or_young_account_keeps_its_address(client, mail):
    await register(client, "real")
    await confirm(client, mail, "real")
    await age("real", 1000)
    assert await squat(client, "intruder", "real@example.com") == 409
    await register(client, "fresh")
    await age("fresh", 23)
    assert await squat(client, "intruder", "fresh@example.com") == 409
