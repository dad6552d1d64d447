"""SQLite statements cost one hop to aiosqlite's thread each (db/sqlite_driver.py), with what
SQLAlchemy reads of the cursor afterwards intact: rows, rowcount, lastrowid, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, text

from db.sqlite_driver import OneHopSQLiteDialect
from tests.conftest import Api, Tenant

SQLITE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # aiosqlite is SQLite's driver


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


@SQLITE
async def test_a_query_costs_one_hop_per_statement(api: Api, tenant: Tenant, hops: list[str]) -> None:
    assert isinstance(api.db.engine.dialect, OneHopSQLiteDialect)
    query = "query { customers(first: 5) { edges { node { id name node { code } } } } tierTree { code } }"
    await api.ok(query)  # warm: the first request also checks the token's tenant out of cache
    executed: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    event.listen(api.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        hops.clear()
        await api.ok(query)
    finally:
        event.remove(api.db.engine.sync_engine, "before_cursor_execute", seen)
    # Every statement (BEGIN, the token check, the query's) is one `_run` (it was four hops:
    # cursor, execute, fetchall, close); the rest is the transactions' ends.
    assert len(executed) >= 3 and hops.count("_run") == len(executed), (hops, executed)
    assert set(hops) <= {"_run", "rollback", "commit"}, hops


@SQLITE
async def test_what_the_cursor_reports_survives_the_hop(api: Api, tenant: Tenant) -> None:
    async with api.db.engine.begin() as conn:
        await conn.execute(text("CREATE TEMP TABLE hop_check (id INTEGER PRIMARY KEY, v TEXT)"))
        inserted = await conn.execute(text("INSERT INTO hop_check (v) VALUES ('a')"))
        assert inserted.lastrowid == 1
        many = await conn.execute(text("INSERT INTO hop_check (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        assert many.rowcount == 2
        updated = await conn.execute(text("UPDATE hop_check SET v = 'z' WHERE id > 1"))
        assert updated.rowcount == 2
        rows = (await conn.execute(text("SELECT id, v FROM hop_check ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "z"), (3, "z")]
        with pytest.raises(Exception, match="no such table"):
            await conn.execute(text("SELECT * FROM no_such_table"))
