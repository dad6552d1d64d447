"""Membership fixtures: a small tree with customers, a program, and ledger checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import new_id, utcnow
from db.models.core import Role
from db.models.customers import Customer
from db.models.membership import Membership, PointsEntry, PointsLot
from db.models.tree import TierNode, path_segment
from resolvers.common.viewer import Viewer
from schema.relay import to_global_id
from tests.conftest import Api, Tenant

CREATE_PROGRAM = """
mutation($input: CreateMembershipProgramInput!) {
  createMembershipProgram(input: $input) {
    membershipProgram { id name currency pointsPerUnit pointsExpiryDays tiers { id name rank threshold benefits } }
    errors { field code message }
  }
}"""

ENROLL = """
mutation($input: EnrollMemberInput!) {
  enrollMember(input: $input) {
    membership { id pointsBalance qualifyingPoints tier { name } program { name } customer { name } }
    errors { field code message }
  }
}"""

TIERS = [
    {"name": "Bronze", "rank": 1, "threshold": 0},
    {"name": "Silver", "rank": 2, "threshold": 100, "benefits": {"percentOff": "5"}},
    {"name": "Gold", "rank": 3, "threshold": 500, "benefits": {"percentOff": "10"}},
]


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


def pk(global_id: str) -> int:
    from schema.relay import from_global_id

    parsed = from_global_id(global_id)
    assert parsed is not None
    return parsed[1]


@dataclass
class FakeOrder:
    """What the orders domain will pass to resolvers/loyalty.py."""

    tenant_id: int
    customer_id: int
    store_id: int
    total_minor: int
    currency: str = "EUR"
    id: int = field(default_factory=new_id)
    points_earned: int = 0
    rate: Decimal = Decimal(1)  # into the tenant's reporting currency (EUR)
    placed_at: datetime = field(default_factory=utcnow)


@dataclass
class Shop:
    """A tenant with HQ > region > store, customers in the store, a program at HQ."""

    api: Api
    tenant: Tenant
    root: TierNode
    region: TierNode
    store: TierNode
    other_store: TierNode
    customers: list[int]
    program_id: str

    @property
    def viewer(self) -> Viewer:
        return Viewer(staff_id=self.tenant.admin_id, tenant_id=self.tenant.id, role=Role.ADMIN,
                      scope_node_id=self.root.id, scope_path=self.root.path)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[AsyncSession]:
        async with self.api.db.transaction(tenant_id=self.tenant.id) as session:
            yield session

    async def enroll(self, customer_index: int = 0) -> str:
        data = await self.api.ok(ENROLL, {"input": {"customerId": gid("Customer", self.customers[customer_index])}})
        assert data["enrollMember"]["errors"] == [], data
        return data["enrollMember"]["membership"]["id"]

    def order(self, total_minor: int, customer_index: int = 0, **kw: Any) -> FakeOrder:
        return FakeOrder(tenant_id=self.tenant.id, customer_id=self.customers[customer_index],
                         store_id=kw.pop("store_id", self.store.id), total_minor=total_minor, **kw)


async def add_node(api: Api, tenant_id: int, parent: TierNode, code: str, **settings: Any) -> TierNode:
    node_id = new_id()
    node = TierNode(tenant_id=tenant_id, id=node_id, parent_id=parent.id, code=code, name=code,
                    kind="node", path=parent.path + path_segment(node_id) + "/", depth=parent.depth + 1,
                    **settings)
    async with api.db.transaction(tenant_id=tenant_id) as session:
        session.add(node)
    return node


async def add_customers(api: Api, tenant_id: int, node: TierNode, count: int) -> list[int]:
    rows = [Customer(tenant_id=tenant_id, node_id=node.id, name=f"Customer {i}") for i in range(count)]
    async with api.db.transaction(tenant_id=tenant_id) as session:
        session.add_all(rows)
    return [r.id for r in rows]


async def create_program(api: Api, **overrides: Any) -> dict[str, Any]:
    payload = {"name": "Rewards", "currency": "EUR", "pointsPerUnit": "1", "pointsExpiryDays": 365,
               "tiers": TIERS, **overrides}
    data = await api.ok(CREATE_PROGRAM, {"input": payload})
    assert data["createMembershipProgram"]["errors"] == [], data
    return data["createMembershipProgram"]["membershipProgram"]


async def set_program(api: Api, tenant_id: int, node: TierNode, program_gid: str | None) -> None:
    async with api.db.transaction(tenant_id=tenant_id) as session:
        row = await session.get(TierNode, (tenant_id, node.id))
        assert row is not None
        row.membership_program_id = pk(program_gid) if program_gid else None


@pytest.fixture
async def shop(api: Api, tenant: Tenant) -> Shop:
    async with api.db.session(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
    assert root is not None
    region = await add_node(api, tenant.id, root, "EU")
    store = await add_node(api, tenant.id, region, "EU-01")
    other_store = await add_node(api, tenant.id, root, "US-01")
    customers = await add_customers(api, tenant.id, store, 3)
    program = await create_program(api)
    await set_program(api, tenant.id, root, program["id"])
    return Shop(api, tenant, root, region, store, other_store, customers, program["id"])


async def assert_ledger_consistent(api: Api, tenant_id: int) -> None:
    """Balance == sum of ledger deltas == sum of lots left == last balance_after, per membership."""
    async with api.db.session(tenant_id=tenant_id) as session:
        members = (await session.scalars(select(Membership))).all()
        sums = dict((await session.execute(
            select(PointsEntry.membership_id, func.sum(PointsEntry.delta)).group_by(PointsEntry.membership_id)
        )).all())
        lots = dict((await session.execute(
            select(PointsLot.membership_id, func.sum(PointsLot.remaining)).group_by(PointsLot.membership_id)
        )).all())
        for mb in members:
            assert mb.points_balance >= 0
            assert mb.points_balance == int(sums.get(mb.id) or 0), mb.id
            assert mb.points_balance == int(lots.get(mb.id) or 0), mb.id
            last = await session.scalar(
                select(PointsEntry.balance_after).where(PointsEntry.membership_id == mb.id)
                .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()).limit(1)
            )
            assert mb.points_balance == (last or 0)


async def ledger_rows(api: Api, tenant_id: int) -> dict[int, tuple[Any, ...]]:
    """Every ledger row by id, all columns: to prove rows are never updated or deleted."""
    async with api.db.session(tenant_id=tenant_id) as session:
        rows = (await session.execute(select(PointsEntry.__table__))).all()
    return {r.id: tuple(r) for r in rows}
