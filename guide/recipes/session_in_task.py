"""Why is my task's `db = Depends(get_db)` not a session?

`Depends` works only in what FastAPI calls: endpoints and dependencies. A task is called
by Starlette with the arguments you gave `add_task`, so the parameter keeps its default,
the `Depends` marker itself. Open what the task needs inside it (`async with
Session() as session`), and pass it ids and plain values, not the request's session.

Measured: the `Depends` form fails with `AttributeError` on the marker; the task that
opens its own session writes its row.
"""

from contextlib import asynccontextmanager

from fastapi import BackgroundTasks, Depends, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///recipe-audit.db")
Session = async_sessionmaker(engine)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS audit (user_id INTEGER)"))
    yield


app = FastAPI(lifespan=lifespan)


async def get_db():
    async with Session() as session:
        yield session


async def audit_wrong(user_id: int, db: AsyncSession = Depends(get_db)) -> None:
    await db.execute(text("INSERT INTO audit VALUES (:id)"), {"id": user_id})  # no session


async def audit(user_id: int) -> None:
    async with Session() as session, session.begin():
        await session.execute(text("INSERT INTO audit VALUES (:id)"), {"id": user_id})


@app.delete("/users/{user_id}")
async def delete_user(user_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(audit, user_id)  # audit_wrong here: AttributeError
    return {"deleted": user_id}
