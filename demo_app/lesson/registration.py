"""The lesson ring: registration sends a welcome email and writes an audit row, after the
response. Login writes an audit row.

The route bodies hold the lesson: the user, the `add_task` lines, the commit. What refuses
a request first (rate limits, a taken name, a used-up quota) is a dependency on the
decorator, as the full-stack template puts its admin check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, or_, select

from demo_app.deps import SessionDep, Tasks
from demo_app.lesson.tasks import log_user_action, send_welcome_email
from demo_app.lesson.users import BAD_LINK, account_of_link, is_stale_signup, release_signup
from demo_app.models import User, utcnow
from demo_app.platform.limits import RATE_LIMITED, limit_logins, limit_registrations
from demo_app.platform.quotas import check_email_quota
from demo_app.platform.security import (
    create_access_token,
    hash_password,
    refuse_cross_site,
    verify_password,
)
from demo_app.schemas import LinkToken, LoginForm, Token, UserCreate, UserPublic

router = APIRouter(prefix="/auth", tags=["auth"])


async def signup_is_free(data: UserCreate, session: SessionDep) -> AsyncIterator[None]:
    """409 if the name or address is taken, 429 past the address's email quota (the welcome
    email counts against it), and 409 if a concurrent sign-up takes it before the commit.

    Registration necessarily tells whether a name or address is taken (a sign-up form must
    say why it refused): the rate limit per client is what bounds that enumeration. An
    address whose account never confirmed it in VERIFY_LINK_HOURS is not taken: it is freed.
    """
    holders = await session.exec(
        select(User).where(
            or_(func.lower(User.username) == data.username.lower(), User.email == data.email)
        )
    )
    clashes = []
    for holder in holders.all():
        if is_stale_signup(holder, data.email):
            await release_signup(session, holder)
        else:
            clashes.append(holder)
    if clashes:
        clash = clashes[0]
        field = "username" if clash.username.lower() == data.username.lower() else "email"
        raise HTTPException(status.HTTP_409_CONFLICT, f"That {field} is already registered")
    await check_email_quota(session, data.email)
    await session.commit()  # end the read: the route's slow hash holds no connection
    try:
        yield
    except IntegrityError:  # a concurrent registration took the name first
        raise HTTPException(status.HTTP_409_CONFLICT, "That username or email is taken") from None


# --8<-- [start:register]
@router.post(
    "/register",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(limit_registrations), Depends(signup_is_free, scope="function")],
    responses={
        409: {"description": "Username or email taken"},
        429: {"description": "Too many attempts, or the address's email quota is used up"},
    },
)
async def register(data: UserCreate, session: SessionDep, tasks: Tasks) -> User:
    user = User(
        username=data.username,
        email=data.email,
        hashed_password=await hash_password(data.password),  # slow: waits for its turn
        is_subscribed=data.subscribe_newsletter,
    )
    session.add(user)
    # Run after the response: the client does not wait for the email.
    tasks.add_task(send_welcome_email, user.email, user.username)
    tasks.add_task(log_user_action, user.username, "REGISTER", f"email: {user.email}")
    await session.commit()  # the user and both task records, in one transaction
    return user


# --8<-- [end:register]


@router.get(
    "/verify",
    response_model=UserPublic,
    responses={400: BAD_LINK, 409: {"description": "The address is already confirmed"}},
)
async def verify_email(token: LinkToken, session: SessionDep) -> User:
    """Follow the welcome email's link: the address is confirmed. Each link works once."""
    user = await account_of_link(session, token, "verify")
    if user.email_verified_at is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "This address is already confirmed")
    user.email_verified_at = utcnow()
    await session.commit()
    return user


@router.post(
    "/login",
    response_model=Token,
    dependencies=[Depends(refuse_cross_site), Depends(limit_logins)],
    responses={
        401: {"description": "Wrong username or password"},
        403: {"description": "A form posted from another site"},
        429: RATE_LIMITED,
    },
)
async def login(form: Annotated[LoginForm, Form()], session: SessionDep, tasks: Tasks) -> Token:
    by_name = func.lower(User.username) == form.username.lower()  # "Alice" is "alice"
    user = (await session.exec(select(User).where(by_name))).first()
    await session.commit()  # end the read: the slow hash below holds no connection
    # The same answer, after the same work, for an unknown name and a wrong password.
    valid = await verify_password(form.password, user.hashed_password if user else None)
    if user is None or not valid:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tasks.add_task(log_user_action, user.username, "LOGIN")
    await session.commit()
    return Token(access_token=create_access_token(user))
