"""Fresh, migrated databases for backup drills: a SQLite file, or a new PostgreSQL database.

Restore needs an empty target, so each PostgreSQL drill creates its own databases
(dropped afterwards) instead of the shared test schema.
"""

from __future__ import annotations

import asyncio
import io
import tarfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from cli.main import main
from config import Settings
from db.migrate import migrate
from db.models.tree import TierNode
from db.session import Database
from server import create_app
from tests.conftest import IN_CI, PG_URL, Api
from tests.membership.conftest import (
    ENROLL,
    add_customers,
    add_node,
    create_program,
    gid,
    set_program,
)

Fresh = Callable[[str], Awaitable[str]]


async def run_cli(argv: list[str], url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """main() runs its own event loop: give it a thread (the caller's loop keeps serving)."""
    monkeypatch.setenv("CANOPY_DATABASE_URL", url)
    return await asyncio.to_thread(main, argv)


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Fresh]:
    """fresh(name) -> the URL of a new, empty database (not migrated)."""
    if request.param == "sqlite":
        async def make_file(name: str) -> str:
            return f"sqlite+aiosqlite:///{tmp_path / f'{name}-{uuid.uuid4().hex[:6]}.db'}"

        yield make_file
        return
    async with pg_databases() as make:
        yield make


@asynccontextmanager
async def pg_databases(roles: list[str] | None = None) -> AsyncIterator[Fresh]:
    """New PostgreSQL databases, dropped afterwards (then `roles`, which the caller created)."""
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure
        await admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_URL} in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    made: list[str] = []

    async def make_database(name: str) -> str:
        database = f"canopy_bk_{uuid.uuid4().hex[:10]}_{name}"
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        made.append(database)
        return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)

    try:
        yield make_database
    finally:
        async with admin.connect() as conn:
            for database in made:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            for role in roles or []:
                await conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await admin.dispose()


@dataclass
class Seeded:
    api: Api
    store_id: int
    memberships: list[str]


async def migrated(url: str, revision: str = "head") -> Database:
    db = Database(url)
    await migrate(db, revision)
    return db


@asynccontextmanager
async def seed(db: Database, members: int = 4, data_keys: str | None = None) -> AsyncIterator[Seeded]:
    """A tenant through the real app: a store, customers, a program, enrolled members."""
    app = create_app(Settings(database_url=db.url, debug=True, data_keys=data_keys), db=db, migrate_on_start=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        api = Api(app, client, db)
        tenant = await api.make_tenant("acme")
        api.token = tenant.token
        async with db.session(tenant_id=tenant.id) as session:
            root = await session.get(TierNode, (tenant.id, tenant.root_id))
        assert root is not None
        store = await add_node(api, tenant.id, root, "EU-01")
        customers = await add_customers(api, tenant.id, store, members)
        program = await create_program(api)
        await set_program(api, tenant.id, root, program["id"])
        memberships = []
        for customer in customers:
            data = await api.ok(ENROLL, {"input": {"customerId": gid("Customer", customer)}})
            assert data["enrollMember"]["errors"] == [], data
            memberships.append(data["enrollMember"]["membership"]["id"])
        yield Seeded(api, store.id, memberships)


def damage(backup: Path) -> None:
    """Flip one byte in the middle of the payload, keeping the manifest."""
    with tarfile.open(backup, "r:") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(backup, "w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            if member.name != "manifest.json":
                data = bytearray(data)
                data[len(data) // 2] ^= 0xFF
                data = bytes(data)
            tar.addfile(member, io.BytesIO(data))
