"""The lesson ring: the newsletter: admins only, sent in batches so no single task runs
long."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlmodel import col, select

from demo_app.config import get_settings
from demo_app.deps import AdminUser, SessionDep, Tasks
from demo_app.lesson.tasks import send_batch_email
from demo_app.models import Newsletter, User, id_of
from demo_app.platform.responses import ADMINS_ONLY
from demo_app.schemas import NewsletterCreate, NewsletterQueued

router = APIRouter(tags=["newsletter"], responses=ADMINS_ONLY)


# --8<-- [start:send_newsletter]
@router.post(
    "/send-newsletter", response_model=NewsletterQueued, status_code=status.HTTP_202_ACCEPTED
)
async def send_newsletter(
    data: NewsletterCreate, admin: AdminUser, session: SessionDep, tasks: Tasks
) -> NewsletterQueued:
    query = select(User.email).where(col(User.is_subscribed)).order_by(col(User.id))
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
