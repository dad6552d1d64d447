"""A hand-built chain with orders, memberships and tickets, and the same data as plain Python.

HQ > EU > {DE-01, DE-02, FR-01}, HQ > US > US-01; a few orders sit on EU itself.
A second tenant holds look-alike data that must never show up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from db.base import new_id
from db.models.customers import Customer
from db.models.membership import Membership, MembershipProgram, MembershipTier, TierChange
from db.models.orders import Order, OrderStatus
from db.models.service import Ticket, TicketPriority, TicketStatus
from db.models.tree import TierNode, path_segment
from db.session import Database
from tests.conftest import Api, Tenant

START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = [OrderStatus.PAID] * 4 + [OrderStatus.FULFILLED] * 2 + [
    OrderStatus.PENDING, OrderStatus.CANCELLED, OrderStatus.REFUNDED]
TICKET_STATUSES = [TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED,
                   TicketStatus.RESOLVED, TicketStatus.CLOSED]


@dataclass
class Chain:
    tenant: Tenant
    nodes: dict[str, TierNode] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    tiers: list[MembershipTier] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    changes: list[TierChange] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)

    def node_of_customer(self, customer_id: int) -> TierNode:
        customer = next(c for c in self.customers if c.id == customer_id)
        return next(n for n in self.nodes.values() if n.id == customer.node_id)

    def node_by_id(self, node_id: int) -> TierNode:
        return next(n for n in self.nodes.values() if n.id == node_id)


def _node(tenant_id: int, parent: TierNode | None, code: str) -> TierNode:
    node_id = new_id()
    return TierNode(
        tenant_id=tenant_id, id=node_id, parent_id=parent.id if parent else None, code=code, name=code,
        kind="node", path=(parent.path if parent else "/") + path_segment(node_id) + "/",
        depth=parent.depth + 1 if parent else 0,
    )


def _at(rng: random.Random, days: int = 180) -> datetime:
    return START + timedelta(seconds=rng.randrange(days * 86400), microseconds=rng.randrange(1_000_000))


async def build_chain(db: Database, tenant: Tenant, seed: int) -> Chain:
    rng = random.Random(seed)
    chain = Chain(tenant=tenant)
    async with db.transaction(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
        assert root is not None
        chain.nodes["HQ"] = root
        for code, parent in [("EU", "HQ"), ("US", "HQ"), ("DE-01", "EU"), ("DE-02", "EU"),
                             ("FR-01", "EU"), ("US-01", "US")]:
            chain.nodes[code] = _node(tenant.id, chain.nodes[parent], code)
            session.add(chain.nodes[code])
            await session.flush()  # no relationships: the flush does not order tables by foreign key
        stores = ["DE-01", "DE-02", "FR-01", "US-01", "EU"]
        for i in range(40):
            chain.customers.append(Customer(
                tenant_id=tenant.id, id=new_id(), node_id=chain.nodes[rng.choice(stores)].id,
                name=f"Customer {i}", external_ref=f"C{i}", tags=[], attributes={},
            ))
        session.add_all(chain.customers)
        await session.flush()
        for i in range(260):
            total = rng.choice([999, 1500, 2500, 4999, 12000, rng.randrange(100, 50000)])
            chain.orders.append(Order(
                tenant_id=tenant.id, id=new_id(), number=f"O-{i:06d}",
                customer_id=rng.choice(chain.customers[:36]).id, store_id=chain.nodes[rng.choice(stores)].id,
                status=rng.choice(STATUSES), currency="EUR", subtotal_minor=total, total_minor=total,
                reporting_currency="EUR", rate=Decimal(1), total_reporting_minor=total, placed_at=_at(rng),
            ))
        session.add_all(chain.orders)
        await session.flush()
        program = MembershipProgram(tenant_id=tenant.id, id=new_id(), name="Club", currency="EUR",
                                    points_per_unit=Decimal(1))
        session.add(program)
        await session.flush()
        for rank, name in enumerate(["Bronze", "Silver", "Gold"]):
            chain.tiers.append(MembershipTier(tenant_id=tenant.id, id=new_id(), program_id=program.id,
                                              name=name, rank=rank, threshold=rank * 1000))
        session.add_all(chain.tiers)
        await session.flush()
        for customer in chain.customers[:30]:
            path = sorted(rng.sample(chain.tiers, rng.randint(1, 3)), key=lambda t: t.rank)
            membership = Membership(tenant_id=tenant.id, id=new_id(), program_id=program.id,
                                    customer_id=customer.id, tier_id=path[-1].id)
            chain.memberships.append(membership)
            previous = None
            for tier in path:
                chain.changes.append(TierChange(tenant_id=tenant.id, id=new_id(), membership_id=membership.id,
                                                from_tier_id=previous.id if previous else None,
                                                to_tier_id=tier.id, reason="test", at=_at(rng)))
                previous = tier
        session.add_all(chain.memberships)
        await session.flush()
        session.add_all(chain.changes)
        for i in range(120):
            created = _at(rng)
            status = rng.choice(TICKET_STATUSES)
            resolved = created + timedelta(seconds=rng.randrange(60, 7 * 86400), microseconds=rng.randrange(10**6)) \
                if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) else None
            chain.tickets.append(Ticket(
                tenant_id=tenant.id, id=new_id(), number=f"T-{i:06d}", customer_id=rng.choice(chain.customers).id,
                subject="s", description="d", status=status, priority=TicketPriority.NORMAL,
                sla_due_at=created + timedelta(hours=rng.choice([4, 24, 72])), resolved_at=resolved, created_at=created,
            ))
        session.add_all(chain.tickets)
    return chain


@pytest.fixture
async def chain(api: Api, tenant: Tenant) -> Chain:
    built = await build_chain(api.db, tenant, seed=11)
    other = await api.make_tenant("other")
    await build_chain(api.db, other, seed=12)  # the same shapes in another tenant: must stay invisible
    return built


def gid(type_name: str, pk: int) -> str:
    from schema.relay import to_global_id

    return str(to_global_id(type_name, pk))


def iso(value: datetime) -> str:
    return value.isoformat()


def ancestor_at(chain: Chain, node: TierNode, depth: int) -> TierNode:
    """The node's ancestor at `depth`, or the node itself when it is shallower."""
    path = node.path[: 1 + 14 * (depth + 1)]
    return next(n for n in chain.nodes.values() if n.path == path)


def in_subtree(node: TierNode, root: TierNode) -> bool:
    return node.path.startswith(root.path)


Row = dict[str, Any]
