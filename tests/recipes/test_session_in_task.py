import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from guide.recipes import session_in_task as recipe
from tests.recipes.conftest import asgi


@pytest.fixture
async def database(monkeypatch, tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE audit (user_id INTEGER)"))
    monkeypatch.setattr(recipe, "Session", async_sessionmaker(engine))
    yield engine
    await engine.dispose()


async def test_the_task_with_its_own_session_writes_its_row(database):
    async with asgi(recipe.app) as client:
        assert (await client.delete("/users/7")).json() == {"deleted": 7}
    async with database.connect() as connection:
        rows = (await connection.execute(text("SELECT user_id FROM audit"))).all()
    assert rows == [(7,)]


async def test_depends_in_a_task_is_the_marker_not_a_session(database, monkeypatch):
    monkeypatch.setattr(recipe, "audit", recipe.audit_wrong)
    with pytest.raises(AttributeError, match="'Depends' object has no attribute 'execute'"):
        async with asgi(recipe.app) as client:
            await client.delete("/users/8")
    async with database.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM audit"))).scalar() == 0
