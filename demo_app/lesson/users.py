"""The lesson ring: the current user, their password and their newsletter subscription."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from demo_app.deps import CurrentUser, SessionDep
from demo_app.models import User
from demo_app.platform.responses import UNAUTHORIZED
from demo_app.platform.security import hash_password, verify_password
from demo_app.schemas import PasswordChange, Subscription, UserPublic

router = APIRouter(prefix="/users", tags=["users"], responses=UNAUTHORIZED)


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
