"""The lesson ring: the current user and their newsletter subscription."""

from __future__ import annotations

from fastapi import APIRouter

from demo_app.deps import CurrentUser, SessionDep
from demo_app.models import User
from demo_app.platform.responses import UNAUTHORIZED
from demo_app.schemas import Subscription, UserPublic

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
