"""A small chain for the staff tests: HQ > NORTH > N1 and HQ > SOUTH, one member per place."""

from __future__ import annotations

from dataclasses import dataclass

from db.models.core import Role
from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.security.harness import add_node

ME = "{ me { id email } }"


@dataclass
class Member:
    id: str
    email: str
    token: str


@dataclass
class Chain:
    tenant: Tenant
    nodes: dict[str, str]  # code -> global id
    admin: Member
    manager: Member  # MANAGER at NORTH
    sales: Member  # SALES at N1
    support: Member  # SUPPORT at SOUTH


async def member(api: Api, tenant: Tenant, role: Role, node_id: int, email: str) -> Member:
    token = await api.make_staff(tenant, role=role, scope_node_id=node_id, email=email)
    me = (await api.ok(ME, token=token))["me"]
    return Member(me["id"], me["email"], token)


async def build_chain(api: Api, tenant: Tenant) -> Chain:
    north = await add_node(api, tenant.id, tenant.root_id, "NORTH", "North")
    n1 = await add_node(api, tenant.id, north.id, "N1", "North One")
    south = await add_node(api, tenant.id, tenant.root_id, "SOUTH", "South")
    admin_me = (await api.ok(ME))["me"]
    return Chain(
        tenant=tenant,
        nodes={"HQ": to_global_id("TierNode", tenant.root_id), "NORTH": to_global_id("TierNode", north.id),
               "N1": to_global_id("TierNode", n1.id), "SOUTH": to_global_id("TierNode", south.id)},
        admin=Member(admin_me["id"], admin_me["email"], tenant.token),
        manager=await member(api, tenant, Role.MANAGER, north.id, "mona.manager@acme.example"),
        sales=await member(api, tenant, Role.SALES, n1.id, "sam.sales@acme.example"),
        support=await member(api, tenant, Role.SUPPORT, south.id, "sue.support@acme.example"),
    )
