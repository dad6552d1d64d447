"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from db import rls
from db.base import Base
from db.migrate import compare_type, migrate
from db.session import Database
from tests.conftest import IN_CI, PG_URL


def _diff(conn: object) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": compare_type})  # type: ignore[arg-type]
    return compare_metadata(ctx, Base.metadata)


async def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await migrate(database)
    await migrate(database)  # a second start finds nothing to do
    async with database.engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    await database.dispose()


async def test_migrations_match_models_on_postgres() -> None:
    schema = f"m_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        await admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    database = Database(PG_URL, connect_args={"server_settings": {"search_path": f"{schema}, public"}})
    try:
        await migrate(database)
        async with database.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            policies = await conn.scalar(text("SELECT count(*) FROM pg_policies WHERE schemaname = :s"), {"s": schema})
            assert policies == len(rls.tenant_tables(Base.metadata))
            assert await conn.scalar(text(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only'"
                " AND tgrelid = CAST(:t AS regclass)"), {"t": f'"{schema}".audit_entry'}) == 1
    finally:
        await database.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

