"""Shared by the rings: the routes' dependencies: the session, the current user, the
task queue."""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import BackgroundTasks, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from demo_app.db import get_session
from demo_app.models import User
from demo_app.platform.security import account_stamp, decode_access_token
from demo_app.runs.queue import Dispatch, TaskQueue

# --8<-- [start:session_dep]
# scope="function": the session closes when the endpoint returns, before the response is
# sent, so it is never held while background tasks run (they open their own sessions).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# --8<-- [end:session_dep]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login")


async def get_current_user(
    session: SessionDep, token: Annotated[str, Depends(oauth2_scheme)]
) -> User:
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Invalid or expired token: log in again",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        user_id, account = decode_access_token(token)
    except jwt.InvalidTokenError:
        raise unauthorized from None
    user = await session.get(User, user_id)
    # A deleted user's token, or one whose id now belongs to a newer account: refused.
    if user is None or account_stamp(user) != account:
        raise unauthorized
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admins only")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def get_dispatch(request: Request) -> Dispatch:
    """The task backend the app chose at start-up: this process, or Celery."""
    return request.app.state.dispatch


DispatchDep = Annotated[Dispatch, Depends(get_dispatch)]


# --8<-- [start:task_queue_dep]
async def get_task_queue(
    background_tasks: BackgroundTasks, session: SessionDep, dispatch: DispatchDep
) -> TaskQueue:
    return TaskQueue(background_tasks, session, dispatch)


Tasks = Annotated[TaskQueue, Depends(get_task_queue)]
# --8<-- [end:task_queue_dep]
