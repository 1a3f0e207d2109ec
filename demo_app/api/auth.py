"""Registration and login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, or_, select

from demo_app.deps import SessionDep, Tasks
from demo_app.models import User
from demo_app.quotas import check_email_quota
from demo_app.ratelimits import RateLimitsDep, client_ip
from demo_app.schemas import LoginForm, Token, UserCreate, UserPublic
from demo_app.security import create_access_token, hash_password, verify_password
from demo_app.tasks.worker import log_user_action, send_welcome_email

router = APIRouter(prefix="/auth", tags=["auth"])
RATE_LIMITED = {"description": "Too many attempts: try again after Retry-After seconds"}


# --8<-- [start:register]
@router.post(
    "/register",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "Username or email taken"},
        429: {"description": "Too many attempts, or the address's email quota is used up"},
    },
)
async def register(
    request: Request, limits: RateLimitsDep, data: UserCreate, session: SessionDep, tasks: Tasks
) -> User:
    limits.register(client_ip(request))
    # The cheap check first: a taken name costs no hash. Registration necessarily tells
    # whether a name or address is taken (a sign-up form must say why it refused): the
    # rate limit per client is what bounds that enumeration.
    taken = await session.exec(
        select(User).where(
            or_(func.lower(User.username) == data.username.lower(), User.email == data.email)
        )
    )
    if clash := taken.first():
        field = "username" if clash.username.lower() == data.username.lower() else "email"
        raise HTTPException(status.HTTP_409_CONFLICT, f"That {field} is already registered")
    # The welcome email counts against the new account's email quota (by its address).
    await check_email_quota(session, data.email)
    await session.commit()  # end the read: the slow hash below holds no connection
    hashed_password = await hash_password(data.password)  # slow, and waits for its turn
    user = User(
        username=data.username,
        email=data.email,
        hashed_password=hashed_password,
        is_subscribed=data.subscribe_newsletter,
    )
    session.add(user)
    # Recorded in this transaction, run after the response: the client does not wait.
    tasks.add_task(send_welcome_email, user.email, user.username)
    tasks.add_task(log_user_action, user.username, "REGISTER", f"email: {user.email}")
    try:
        await session.commit()
    except IntegrityError:  # a concurrent registration took the name first
        raise HTTPException(status.HTTP_409_CONFLICT, "That username or email is taken") from None
    return user


# --8<-- [end:register]


@router.post(
    "/login",
    response_model=Token,
    responses={401: {"description": "Wrong username or password"}, 429: RATE_LIMITED},
)
async def login(
    request: Request,
    limits: RateLimitsDep,
    form: Annotated[LoginForm, Form()],
    session: SessionDep,
    tasks: Tasks,
) -> Token:
    # Counted before the hash: a guesser (or a crowd) past the limit costs no CPU. Every
    # attempt counts, so 200 wrong passwords in a row are 5 tries a minute, then 429s.
    limits.login(client_ip(request), form.username)
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
