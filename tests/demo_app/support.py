"""Helpers the demo-app tests share (fixtures live in conftest.py): sign up, log in, read rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from demo_app import db
from demo_app.platform.admin import set_admin
from guide.live.client import login_form, new_user


async def register(client, username: str, *, subscribe: bool = False) -> dict:
    response = await client.post(
        "/api/v1/auth/register", json=new_user(username, subscribe=subscribe)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def login(client, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", data=login_form(username))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def user_headers(client, username: str, **kwargs) -> dict[str, str]:
    await register(client, username, **kwargs)
    return await login(client, username)


async def admin_headers(client, username: str = "admin") -> dict[str, str]:
    await register(client, username)
    assert await set_admin(username)
    return await login(client, username)


async def rows(model, *where):
    async with db.session() as session:
        return list((await session.exec(select(model).where(*where))).all())


def link_in(message, path: str) -> str:
    """The app-relative URL (path and query) of the link to `path` in an email's text."""
    found = re.search(rf"https?://[^/\s]+(/api/v1{re.escape(path)}\?token=[\w.-]+)", message.text)
    assert found, f"no {path} link in: {message.text}"
    return found.group(1)


async def confirm(client, mail, username: str) -> None:
    """Follow the link in USERNAME@example.com's welcome email, as its reader would."""
    [welcome] = [m for m in mail.to(f"{username}@example.com") if m.subject.startswith("Welcome")]
    response = await client.get(link_in(welcome, "/auth/verify"))
    assert response.status_code == 200, response.text


async def reader(client, mail, username: str) -> None:
    """A subscriber whose address is confirmed: one the newsletter goes to."""
    await register(client, username, subscribe=True)
    await confirm(client, mail, username)


@contextmanager
def statements_sent() -> Iterator[list[tuple[str, object]]]:
    """The statements (and their parameters) the app's engine sends inside the block."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    sync_engine = db.engine().sync_engine
    event.listen(sync_engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(sync_engine, "before_cursor_execute", keep)


async def plan_of(statement: str, parameters) -> str:
    """The database's plan for one statement, as text. On PostgreSQL with sequential scans
    off: an index that can serve the query is then used even on a table of a few rows."""
    async with db.engine().connect() as connection:
        if connection.dialect.name == "sqlite":
            found = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(row[-1] for row in found)
        await connection.exec_driver_sql("SET enable_seqscan = off")
        found = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(row[0] for row in found)
