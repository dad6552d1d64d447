"""Fixtures: a database per backend (SQLite file, PostgreSQL schema), the app, an API client.

Every test that takes `api` runs once on SQLite and once on PostgreSQL.
PostgreSQL comes from CANOPY_TEST_POSTGRES_URL; outside CI a missing server
skips those tests, with CI=true it fails them.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Cheap argon2 for every password the tests hash, here and in processes they start;
# set before resolvers.core.auth builds its hasher (tests/core/test_password_hash.py checks the default).
os.environ["CANOPY_TEST_FAST_PASSWORD_HASH"] = "1"
# Every planned completion is also completed by graphql-core alone and compared (schema/plan.py).
os.environ.setdefault("CANOPY_PLAN_VERIFY", "1")

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401
from config import Settings
from db import customer_stats, node_stats, rls
from db.base import Base
from db.models.core import Role, Staff
from db.models.customers import POSTGRES_EXTENSIONS
from db.session import Database
from resolvers.core.auth import hash_password, issue_token
from resolvers.core.tenants import create_admin, get_or_create_tenant
from server import create_app

PG_URL = os.environ.get("CANOPY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.asyncio(loop_scope="session"))


_prepared: dict[str, Any] = {}


async def _sqlite_template(tmp_root: Path) -> Path:
    """A SQLite file with the schema that each test copies (faster than create_all)."""
    if "sqlite" not in _prepared:
        path = tmp_root / "template.db"
        database = Database(f"sqlite+aiosqlite:///{path}")
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(node_stats.install)
            await conn.run_sync(customer_stats.install)
        await database.dispose()
        _prepared["sqlite"] = path
    return _prepared["sqlite"]


async def _pg_schema() -> str:
    """A private schema in the test database, so parallel runs never collide."""
    if "pg" not in _prepared:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(PG_URL)
        try:
            await _create_extensions(admin)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            _prepared["pg"] = schema
        except Exception as exc:  # noqa: BLE001 - any connection failure
            _prepared["pg"] = exc
        finally:
            await admin.dispose()
        if isinstance(_prepared["pg"], str):
            database = _pg_database(schema, owner=True)
            async with database.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
                await conn.run_sync(node_stats.install)
                await conn.run_sync(customer_stats.install)
                await _secure(conn, schema)
            await database.dispose()
    if isinstance(_prepared["pg"], Exception):
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_URL} in CI: {_prepared['pg']}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {_prepared['pg']}")
    return _prepared["pg"]


async def _create_extensions(admin: Any) -> None:
    """Extensions live in `public` (on every test schema's search path), created once."""
    for statement in POSTGRES_EXTENSIONS:
        try:
            async with admin.begin() as conn:
                await conn.execute(text(statement))
        except IntegrityError:
            pass  # a parallel run created it at the same moment


def _app_role(schema: str) -> str:
    return f"{schema}_app"


async def _secure(conn: Any, schema: str) -> None:
    """Row-level security as the migration applies it; the app connects as a plain role.

    The role is neither superuser nor BYPASSRLS nor owner, as in production, so
    every test on PostgreSQL runs behind the policies of db/rls.py.
    """
    for statement in rls.ddl(Base.metadata):
        await conn.execute(text(statement))
    role = _app_role(schema)
    await conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    await conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"'))
    await conn.execute(
        text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
    )


def _pg_database(schema: str, *, owner: bool = False, **kw: Any) -> Database:
    """The schema's owner (superuser, for setup) or the app's restricted role."""
    url = make_url(PG_URL).update_query_dict({"search_path": f"{schema},public"})
    if not owner:
        url = url.set(username=_app_role(schema), password=None)
    # The schema is in the URL, so the CLI run by tests (CANOPY_DATABASE_URL) finds it too.
    return Database(url.render_as_string(hide_password=False), **kw)


def pytest_sessionfinish(session: pytest.Session) -> None:
    schema = _prepared.get("pg")
    if not isinstance(schema, str):
        return

    async def drop() -> None:
        admin = create_async_engine(PG_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'DROP ROLE IF EXISTS "{_app_role(schema)}"'))
        await admin.dispose()

    asyncio.run(drop())


@pytest.fixture(scope="session", autouse=True)
async def _close_pg_owner() -> AsyncIterator[None]:
    """The owner connection that empties the tables closes in the loop that opened it."""
    yield
    if "pg_owner" in _prepared:
        await _prepared.pop("pg_owner").dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        template = await _sqlite_template(tmp_path_factory.getbasetemp())
        path = tmp_path / "canopy.db"
        shutil.copy(template, path)
        database = Database(f"sqlite+aiosqlite:///{path}")
        yield database
        await database.dispose()
        return
    schema = await _pg_schema()
    database = _pg_database(schema)
    yield database
    await database.dispose()
    await _empty(schema)


async def _empty(schema: str) -> None:
    """Delete every row, as the schema's owner on one connection kept for the session.

    DELETE with triggers and foreign keys off (replica role) costs a few ms on the
    tests' small tables; TRUNCATE of ~40 tables cost ~0.5 s per test.
    """
    if "pg_owner" not in _prepared:
        _prepared["pg_owner"] = _pg_database(schema, owner=True)
    async with _prepared["pg_owner"].engine.begin() as conn:
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f'DELETE FROM "{table.name}"'))


@dataclass
class Tenant:
    """A tenant made for a test: its ids, its root, an admin and the admin's token."""

    id: int
    slug: str
    root_id: int
    admin_id: int
    token: str


class Api:
    """The GraphQL API through the real ASGI app (httpx, no network)."""

    def __init__(self, app: Any, client: httpx.AsyncClient, db: Database) -> None:
        self.app = app
        self.client = client
        self.db = db
        self.token: str | None = None

    async def post(self, query: str, variables: dict[str, Any] | None = None, *,
                   token: str | None = "default") -> dict[str, Any]:
        bearer = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        resp = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return resp.json()

    async def ok(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Data of a request that must have no top-level errors."""
        body = await self.post(query, variables, **kw)
        assert not body.get("errors"), body
        return body["data"]

    async def statements(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> int:
        body = await self.post(query, variables, **kw)
        assert not body.get("errors"), body
        return body["extensions"]["sql"]["statements"]

    async def make_tenant(self, slug: str = "acme", *, currency: str = "EUR") -> Tenant:
        async with self.db.transaction(all_tenants=True) as session:
            tenant, root = await get_or_create_tenant(
                session, slug=slug, reporting_currency=currency, root_code="HQ"
            )
            admin = await create_admin(
                session, tenant=tenant, root=root, email=f"admin@{slug}.example", password=PASSWORD
            )
            secret, _ = await issue_token(session, admin, name="test")
        return Tenant(id=tenant.id, slug=slug, root_id=root.id, admin_id=admin.id, token=secret)

    async def make_staff(self, tenant: Tenant, *, role: Role, scope_node_id: int,
                         email: str | None = None) -> str:
        """A staff member of `role` scoped to a node; returns their token."""
        async with self.db.transaction(tenant_id=tenant.id) as session:
            staff = Staff(
                tenant_id=tenant.id, name=f"{role.value.title()} {uuid.uuid4().hex[:4]}",
                email=email or f"{uuid.uuid4().hex[:8]}@{tenant.slug}.example", role=role,
                scope_node_id=scope_node_id, password_hash=hash_password(PASSWORD),
            )
            session.add(staff)
            await session.flush()
            secret, _ = await issue_token(session, staff, name="test")
        return secret


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    app = create_app(Settings(database_url=database.url, debug=True), db=database, migrate_on_start=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(app, client, database)


@pytest.fixture
async def tenant(api: Api) -> Tenant:
    """The tenant `acme` with an admin; `api` uses the admin's token by default."""
    made = await api.make_tenant("acme")
    api.token = made.token
    return made


@pytest.fixture(autouse=True)
def _encryption_off_after() -> Iterator[None]:
    """A test (or a command it ran in-process) that turned on a keyring leaves it off (db/crypto.py)."""
    yield
    from db import crypto

    crypto.configure(None)


@pytest.fixture(autouse=True)
def _plans_agree() -> Iterator[None]:
    """Fails the test whose requests got a planned result that graphql-core's differs from."""
    from schema import plan

    plan.MISMATCHES.clear()
    yield
    assert not plan.MISMATCHES, plan.MISMATCHES[:3]
