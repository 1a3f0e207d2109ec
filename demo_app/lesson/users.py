"""The lesson ring: the current user, their password and newsletter subscription, and the
accounts that emailed links (confirm an address, unsubscribe) name."""

from __future__ import annotations

from datetime import timedelta

import anyio
import jwt
from fastapi import APIRouter, HTTPException, status
from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app.config import get_settings
from demo_app.deps import CurrentUser, SessionDep
from demo_app.models import Achievement, EmailDelivery, Item, Upload, User, as_utc, id_of, utcnow
from demo_app.platform.responses import UNAUTHORIZED, error
from demo_app.platform.security import hash_password, read_link_token, verify_password
from demo_app.schemas import PasswordChange, Subscription, UserPublic

router = APIRouter(prefix="/users", tags=["users"], responses=UNAUTHORIZED)

BAD_LINK = error("The link is forged, altered, expired, or names no account")


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> User:
    return user


@router.put("/me/newsletter", response_model=UserPublic)
async def set_newsletter_subscription(
    subscription: Subscription, user: CurrentUser, session: SessionDep
) -> User:
    user.is_subscribed = subscription.subscribed
    session.add(user)
    await session.commit()
    return user


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {"description": "The current password is wrong"}},
)
async def change_password(change: PasswordChange, user: CurrentUser, session: SessionDep) -> None:
    """Every token issued before, this one included, stops working: log in again."""
    if not await verify_password(change.current_password, user.hashed_password):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The current password is wrong")
    user.hashed_password = await hash_password(change.new_password)
    session.add(user)
    await session.commit()


async def account_of_link(session: AsyncSession, token: str, purpose: str) -> User:
    """The account a signed link for `purpose` names, or 400 saying why not."""
    try:
        email, username = read_link_token(token, purpose)
    except jwt.ExpiredSignatureError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "This link has expired") from None
    except jwt.InvalidTokenError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "This link is not valid") from None
    query = select(User).where(User.email == email)
    if username is not None:
        query = query.where(func.lower(User.username) == username.lower())
    user = (await session.exec(query)).first()
    if user is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "This link names no account")
    return user


def is_stale_signup(user: User, email: str) -> bool:
    """Whether `user` holds `email` without having confirmed it within VERIFY_LINK_HOURS:
    a new sign-up may take the address (`release_signup`). Never an admin."""
    cutoff = utcnow() - timedelta(hours=get_settings().verify_link_hours)
    return (
        user.email == email
        and user.email_verified_at is None
        and as_utc(user.created_at) < cutoff
        and not user.is_admin
    )


async def release_signup(session: AsyncSession, stale: User) -> None:
    """Free the address of an account that never confirmed it (`is_stale_signup`): that
    account goes, with its rows and files."""
    user_id, welcome = id_of(stale), f"welcome:{stale.username}"
    uploads = (await session.exec(select(Upload.id).where(Upload.owner_id == user_id))).all()
    await session.exec(delete(Achievement).where(col(Achievement.user_id) == user_id))
    await session.exec(delete(Item).where(col(Item.owner_id) == user_id))
    await session.exec(delete(Upload).where(col(Upload.owner_id) == user_id))
    await session.exec(delete(EmailDelivery).where(col(EmailDelivery.idempotency_key) == welcome))
    await session.delete(stale)
    await session.commit()
    folder = anyio.Path(get_settings().upload_dir)
    for upload_id in uploads:
        await (folder / upload_id).unlink(missing_ok=True)
