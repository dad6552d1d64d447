"""A small chain for order tests: HQ (EUR) with a German region of two stores and a
Japanese country (JPY) of one store, a customer per store, and rates into EUR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from db.base import new_id
from db.models.customers import Customer
from db.models.tree import TierNode, path_segment
from resolvers.common.rates import upsert_rates
from schema.relay import to_global_id
from tests.conftest import Api, Tenant

RATE_DAY = date(2020, 1, 1)  # every test order is placed after this day


@dataclass
class Chain:
    tenant: Tenant
    nodes: dict[str, TierNode]
    customers: dict[str, Customer]

    def node(self, code: str) -> str:
        return to_global_id("TierNode", self.nodes[code].id)

    def customer(self, name: str) -> str:
        return to_global_id("Customer", self.customers[name].id)


def _child(tenant_id: int, parent: TierNode, code: str, kind: str, currency: str | None = None) -> TierNode:
    node_id = new_id()
    return TierNode(
        tenant_id=tenant_id, id=node_id, parent_id=parent.id, code=code, name=code, kind=kind,
        path=parent.path + path_segment(node_id) + "/", depth=parent.depth + 1, currency=currency,
    )


async def build_chain(api: Api, tenant: Tenant, rates: dict[str, str] | None = None) -> Chain:
    """HQ > DE (EUR) > DE-1, DE-2 stores; HQ > JP (JPY) > JP-1 store; alice@DE-1, bob@DE-2, yuki@JP-1."""
    async with api.db.transaction(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
        assert root is not None
        de = _child(tenant.id, root, "DE", "country", "EUR")
        jp = _child(tenant.id, root, "JP", "country", "JPY")
        nodes = {"HQ": root, "DE": de, "JP": jp, "DE-1": _child(tenant.id, de, "DE-1", "store"),
                 "DE-2": _child(tenant.id, de, "DE-2", "store"), "JP-1": _child(tenant.id, jp, "JP-1", "store")}
        session.add_all(n for code, n in nodes.items() if code != "HQ")
        await session.flush()  # no ORM relationships: nodes must exist before their customers
        customers = {
            name: Customer(tenant_id=tenant.id, id=new_id(), node_id=nodes[store].id, name=name.title(),
                           email=f"{name}@example.com")
            for name, store in (("alice", "DE-1"), ("bob", "DE-2"), ("yuki", "JP-1"))
        }
        session.add_all(customers.values())
        await session.flush()
        await upsert_rates(session, [(cur, RATE_DAY, Decimal(r)) for cur, r in (rates or {}).items()])
    return Chain(tenant=tenant, nodes=nodes, customers=customers)


@pytest.fixture
async def chain(api: Api, tenant: Tenant) -> Chain:
    return await build_chain(api, tenant, {"JPY": "0.0061", "USD": "0.92"})


async def count(api: Api, model: Any, *where: Any) -> int:
    async with api.db.session(all_tenants=True) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


ORDER_FIELDS = """id number status currency subtotal { amount currency } discount { amount } total { amount currency }
  totalReporting { amount currency } pointsEarned placedAt paidAt
  lines { sku name quantity unitPrice { amount currency } total { amount } } customer { name } store { code }"""
CREATE_ORDER = f"""mutation($input: CreateOrderInput!) {{
  createOrder(input: $input) {{ order {{ {ORDER_FIELDS} }} errors {{ field code message }} }} }}"""
TRANSITION = """mutation($id: ID!) {{ {op}(input: {{id: $id}}) {{ order {{ id status pointsEarned }}
  errors {{ field code message }} }} }}"""


def order_input(chain: Chain, customer: str = "alice", store: str = "DE-1", **extra: Any) -> dict[str, Any]:
    lines = extra.pop("lines", [{"sku": "SKU-1", "name": "Mug", "quantity": 2, "unitPrice": "19.99"}])
    return {"customerId": chain.customer(customer), "storeId": chain.node(store), "lines": lines, **extra}


async def create_order(api: Api, chain: Chain, customer: str = "alice", store: str = "DE-1", *,
                       token: str = "default", **extra: Any) -> dict[str, Any]:
    """The createOrder payload (order and errors)."""
    data = await api.ok(CREATE_ORDER, {"input": order_input(chain, customer, store, **extra)}, token=token)
    return data["createOrder"]


async def transition(api: Api, op: str, order_id: str, *, token: str = "default") -> dict[str, Any]:
    return (await api.ok(TRANSITION.format(op=op), {"id": order_id}, token=token))[op]
