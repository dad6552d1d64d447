"""Pipeline fixtures: a small tree, customers, staff with their ids, and a GraphQL helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from db.base import new_id
from db.models.core import Role, Staff
from db.models.customers import Customer
from db.models.tree import TierNode, path_segment
from resolvers.core.auth import issue_token
from schema.relay import to_global_id
from tests.conftest import Api, Tenant


async def add_node(api: Api, tenant: Tenant, parent_id: int, code: str) -> int:
    async with api.db.transaction(tenant_id=tenant.id) as session:
        parent = await session.get(TierNode, (tenant.id, parent_id))
        assert parent is not None
        node_id = new_id()
        session.add(TierNode(
            id=node_id, parent_id=parent_id, code=code, name=code, kind="store",
            path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1,
        ))
    return node_id


async def add_customer(api: Api, tenant: Tenant, node_id: int, name: str) -> str:
    async with api.db.transaction(tenant_id=tenant.id) as session:
        row = Customer(node_id=node_id, name=name)
        session.add(row)
        await session.flush()
        return to_global_id("Customer", row.id)


async def count(api: Api, tenant: Tenant, model: Any, *where: Any) -> int:
    async with api.db.session(tenant_id=tenant.id) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@dataclass
class Shop:
    """HQ -> R1 -> (S1, S2), HQ -> R2 -> S3; one customer per store; staff at several levels."""

    tenant: Tenant
    nodes: dict[str, int]
    customers: dict[str, str]
    admin_id: str
    sales_token: str  # SALES scoped to HQ
    sales_id: str
    s1_token: str  # SALES scoped to S1
    s1_id: str

    def node(self, code: str) -> str:
        return to_global_id("TierNode", self.nodes[code])


async def add_staff(api: Api, tenant: Tenant, role: Role, scope_node_id: int) -> tuple[str, str]:
    """(token, global id) of a staff member without a password (argon2 would slow every test)."""
    async with api.db.transaction(tenant_id=tenant.id) as session:
        staff = Staff(name=f"{role.value.title()} {scope_node_id % 1000}", role=role,
                      email=f"{new_id()}@{tenant.slug}.example", scope_node_id=scope_node_id)
        session.add(staff)
        await session.flush()
        secret, _ = await issue_token(session, staff, name="test")
        return secret, to_global_id("Staff", staff.id)


@pytest.fixture
async def shop(api: Api, tenant: Tenant) -> Shop:
    nodes = {"HQ": tenant.root_id}
    for code, parent in (("R1", "HQ"), ("R2", "HQ"), ("S1", "R1"), ("S2", "R1"), ("S3", "R2")):
        nodes[code] = await add_node(api, tenant, nodes[parent], code)
    customers = {c: await add_customer(api, tenant, nodes[c], f"Customer {c}") for c in ("S1", "S2", "S3")}
    sales_token, sales_id = await add_staff(api, tenant, Role.SALES, tenant.root_id)
    s1_token, s1_id = await add_staff(api, tenant, Role.SALES, nodes["S1"])
    return Shop(
        tenant=tenant, nodes=nodes, customers=customers,
        admin_id=to_global_id("Staff", tenant.admin_id), sales_token=sales_token,
        sales_id=sales_id, s1_token=s1_token, s1_id=s1_id,
    )


CREATE_OPPORTUNITY = """
mutation($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    opportunity { id title status amount { amount currency } amountReporting { amount currency }
                  expectedCloseDate stage { id name } store { code } owner { id } }
    errors { field code message }
    warnings { field code message }
  }
}"""


async def create_opportunity(api: Api, token: str | None = "default", **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE_OPPORTUNITY, {"input": fields}, token=token)
    return data["createOpportunity"]
