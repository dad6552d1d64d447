"""Web-facing tests: the app without a database (web_client), or on the test database with other settings."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from config import Settings
from db.session import Database
from server import create_app
from tests.conftest import Api

ClientFactory = Callable[..., Any]


@pytest.fixture
def web_client(tmp_path: Any) -> ClientFactory:
    """`async with web_client(env="production") as client:` an httpx client of an app."""

    @asynccontextmanager
    async def make(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        url = f"sqlite+aiosqlite:///{tmp_path}/unused.db"
        app = create_app(Settings(database_url=url, **settings), migrate_on_start=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
        await app.state.canopy.db.dispose()

    return make


@pytest.fixture
def api_with(api: Api) -> Callable[..., Any]:
    """`async with api_with(trusted_documents="only") as other:` the same database, other settings."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Api]:
        settings = dataclasses.replace(api.app.state.canopy.settings, **overrides)
        app = create_app(settings, db=api.db, migrate_on_start=False)
        graphql = app.state.graphql_view
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            other = Api(app, client, api.db)
            other.token = api.token
            yield other
        await graphql.documents.close()

    return make


@contextmanager
def sql_statements(db: Database) -> Iterator[list[str]]:
    """Every statement the database's engine runs inside the block (any task, any session)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
