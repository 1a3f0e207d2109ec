"""The lesson ring: the newsletter: admins only, sent in batches so no single task runs
long, to confirmed addresses only; each letter's own link unsubscribes its reader."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from demo_app.config import get_settings
from demo_app.deps import AdminUser, SessionDep, Tasks
from demo_app.lesson.tasks import send_batch_email
from demo_app.lesson.users import BAD_LINK, account_of_link
from demo_app.models import Newsletter, User, id_of
from demo_app.platform.responses import ADMINS_ONLY
from demo_app.schemas import LinkToken, NewsletterCreate, NewsletterQueued

router = APIRouter(tags=["newsletter"])


# --8<-- [start:send_newsletter]
@router.post(
    "/send-newsletter",
    response_model=NewsletterQueued,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ADMINS_ONLY,
)
async def send_newsletter(
    data: NewsletterCreate, admin: AdminUser, session: SessionDep, tasks: Tasks
) -> NewsletterQueued:
    readers = col(User.is_subscribed), col(User.email_verified_at).is_not(None)
    query = select(User.email).where(*readers).order_by(col(User.id))
    recipients = list((await session.exec(query)).all())
    newsletter = Newsletter(
        subject=data.subject, body=data.body, sent_by=id_of(admin), recipients=len(recipients)
    )
    session.add(newsletter)
    await session.flush()
    # One task per batch: each stays short, and a retry resends only its own batch.
    size = get_settings().newsletter_batch_size
    batches = [recipients[i : i + size] for i in range(0, len(recipients), size)]
    for batch in batches:
        tasks.add_task(
            send_batch_email, batch, data.subject, data.body, f"newsletter:{newsletter.id}"
        )
    await session.commit()
    return NewsletterQueued(
        newsletter_id=newsletter.id, recipients=len(recipients), batches=len(batches)
    )


# --8<-- [end:send_newsletter]


# What a mail reader sees: GET asks (a link scanner that follows it changes nothing), the
# form's POST unsubscribes. Mail clients' one-click button POSTs to the same URL (RFC 8058).
CONFIRM = """<!doctype html><title>Unsubscribe</title>
<form method="post"><p>Stop the guide demo newsletter to this address?</p>
<button>Unsubscribe</button></form>"""
DONE = """<!doctype html><title>Unsubscribed</title>
<p>You are unsubscribed: no more newsletters to this address.</p>"""


# The page is HTML; a refusal is JSON like every other error (a route's response_class would
# document its 400 as HTML too).
PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A page for the reader", "content": {"text/html": {}}},
    400: BAD_LINK,
}


@router.get("/newsletter/unsubscribe", response_model=None, responses=PAGE)
async def confirm_unsubscribe(token: LinkToken, session: SessionDep) -> HTMLResponse:
    await account_of_link(session, token, "unsubscribe")
    return HTMLResponse(CONFIRM)


@router.post("/newsletter/unsubscribe", response_model=None, responses=PAGE)
async def unsubscribe(token: LinkToken, session: SessionDep) -> HTMLResponse:
    """No login: the signed link is the reader's proof that the letter reached them."""
    user = await account_of_link(session, token, "unsubscribe")
    user.is_subscribed = False
    await session.commit()
    return HTMLResponse(DONE)
