"""A small tree for import tests: HQ > DE > DE-01, HQ > FR > FR-01."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli.main import build_parser
from db.base import new_id
from db.models.core import AuditEntry, Event
from db.models.tree import TierNode, path_segment
from db.session import Database
from tests.conftest import Api, Tenant


async def add_node(db: Database, tenant: Tenant, parent_id: int, code: str, **settings: str) -> int:
    async with db.transaction(tenant_id=tenant.id) as session:
        parent = await session.get(TierNode, (tenant.id, parent_id))
        assert parent is not None
        node_id = new_id()
        session.add(TierNode(
            tenant_id=tenant.id, id=node_id, parent_id=parent.id, code=code, name=code, kind="node",
            path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1, **settings,
        ))
    return node_id


@pytest.fixture
async def stores(api: Api, tenant: Tenant) -> dict[str, int]:
    de = await add_node(api.db, tenant, tenant.root_id, "DE", locale="de-DE", currency="EUR")
    fr = await add_node(api.db, tenant, tenant.root_id, "FR", locale="fr-FR", currency="EUR")
    return {
        "DE": de, "FR": fr,
        "DE-01": await add_node(api.db, tenant, de, "DE-01"),
        "FR-01": await add_node(api.db, tenant, fr, "FR-01"),
    }


def cli_args(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def count(db: Database, tenant: Tenant, model: type) -> int:
    async with db.session(tenant_id=tenant.id) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def audit_and_events(db: Database, tenant: Tenant) -> tuple[int, int]:
    return await count(db, tenant, AuditEntry), await count(db, tenant, Event)
