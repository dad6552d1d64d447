"""The scenario the security matrices share: two tenants, two stores, every kind of entity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models.core import Role
from tests.conftest import Api, Tenant
from tests.security.harness import Schema, add_customer, add_node, create_round, harvest

OTHER = "qxother"  # in every string of tenant B
HIDDEN = "qxhidden"  # in the AWAY store and its customer, never visible from NEAR


@dataclass
class World:
    schema: Schema
    a: Tenant
    b: Tenant
    manager: str
    near_staff: dict[str, str]  # role -> token of a staff member scoped to NEAR
    near: Any
    away: Any
    pools: dict[str, dict[str, list[str]]]
    successes: list[tuple[str, str]]  # (mutation, request id) of every creating call that succeeded


async def build_world(api: Api, a: Tenant) -> World:
    """Tenant A with stores NEAR and AWAY, tenant B, entities of every kind in each zone."""
    b = await api.make_tenant("other")
    near = await add_node(api, a.id, a.root_id, "NEAR", "Near store")
    away = await add_node(api, a.id, a.root_id, "AWAY", f"{HIDDEN} store")
    b_store = await add_node(api, b.id, b.root_id, "BSTORE", f"{OTHER} store")
    await add_customer(api, a.id, near.id, name="Nina Near", email="nina@near.example", phone="+4930111111")
    await add_customer(api, a.id, away.id, name=f"{HIDDEN} Hal", email=f"{HIDDEN}@away.example", phone="+4930222222")
    await add_customer(api, b.id, b_store.id, name=f"{OTHER} Olga", email=f"{OTHER}@b.example", phone="+4930333333")
    schema = await Schema.load(api)
    zones = {"b": (b.token, b.id, None, OTHER), "away": (a.token, a.id, away.path, "qxaway"),
             "near": (a.token, a.id, near.path, "qxnear")}
    successes: list[tuple[str, str]] = []
    made: dict[str, set[str]] = {zone: set() for zone in zones}
    for _ in range(3):  # later rounds run what needed earlier ones' entities (orders need customers...)
        for zone, (token, tenant_id, under, marker) in zones.items():
            pool = await harvest(api, tenant_id, schema, under=under)
            done = await create_round(api, schema, pool, marker, token, skip=made[zone])
            made[zone].update(name for name, _ in done)
            successes += done
    pools = {name: await harvest(api, tid, schema, under=under) for name, (_, tid, under, _) in zones.items()}
    near_staff = {
        role.value: await api.make_staff(a, role=role, scope_node_id=near.id)
        for role in (Role.MANAGER, Role.SALES, Role.SUPPORT, Role.INTEGRATOR)
    }
    return World(schema, a, b, near_staff["MANAGER"], near_staff, near, away, pools, successes)


