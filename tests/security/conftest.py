"""Helpers of the security tests: the API with other settings, raw reads of the database."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.base import Base
from server import create_app
from tests.conftest import Api

ApiFactory = Callable[..., Any]


@pytest.fixture
def api_with(api: Api) -> ApiFactory:
    """`async with api_with(max_query_cost=10) as other:` the same database behind other settings."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Api]:
        settings = dataclasses.replace(api.app.state.canopy.settings, **overrides)
        app = create_app(settings, db=api.db, migrate_on_start=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            other = Api(app, client, api.db)
            other.token = api.token
            yield other

    return make


async def all_rows(api: Api) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (all tenants), for before/after comparisons and PII scans."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with api.db.session(all_tenants=True) as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings().all()
            out[table.name] = [dict(r) for r in rows]
    return out
