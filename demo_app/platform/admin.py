"""The platform ring: admin chores from the command line (no hand-edited database)."""

from __future__ import annotations

from sqlmodel import select

from demo_app import db
from demo_app.models import User


async def set_admin(username: str, is_admin: bool = True) -> bool:
    """Grant (or revoke) admin rights. False if there is no such user."""
    async with db.session() as session:
        user = (await session.exec(select(User).where(User.username == username))).first()
        if user is None:
            return False
        user.is_admin = is_admin
        await session.commit()
        return True
