"""The audit trail: every mutation audited, rows immutable, auditLog scoped to the reader."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from db.audit import AuditImmutableError
from db.models.core import AuditEntry, Role
from db.uow import unit_of_work
from schema.relay import to_global_id
from tests.conftest import PASSWORD, Api, Tenant
from tests.security.conftest import ApiFactory
from tests.security.harness import (
    Filler,
    add_customer,
    add_node,
    harvest,
    input_type_of,
    mutation_document,
    payload_errors,
)
from tests.security.world import build_world

AUDIT_LOG = """
query($entity: ID, $n: Int) { auditLog(entityId: $entity, first: $n) {
  totalCount edges { node { id operation entityId changes requestId at actor { name } } } } }"""
LOGIN = 'mutation { login(input: {email: "admin@acme.example", password: "%s"}) { token errors { code } } }'


async def _audited(api: Api, request_id: str) -> list[AuditEntry]:
    async with api.db.session(all_tenants=True) as session:
        return list((await session.scalars(select(AuditEntry).where(AuditEntry.request_id == request_id))).all())


async def test_every_mutation_that_succeeds_writes_an_audit_row(
    api: Api, tenant: Tenant, api_with: ApiFactory
) -> None:
    async with api_with(rate_limit_burst=1_000_000, rate_limit_per_minute=1_000_000) as client:
        # given: every creating mutation, in every zone
        world = await build_world(client, tenant)
        successes = list(world.successes)
        own = await harvest(client, tenant.id, world.schema)
        # when: every other mutation once, with the tenant's own entities; login with real credentials
        resp = await client.client.post("/graphql", json={"query": LOGIN % PASSWORD}, headers={"x-request-id": "login-1"})
        if payload_errors(resp.json(), "login") == []:
            successes.append(("login", "login-1"))
        for m in world.schema.mutations:
            input_name = input_type_of(m)
            variables = {}
            if m["name"] == "login":
                continue
            if input_name is not None:
                filled = Filler(world.schema, own, "qxnear", operation=m["name"]).fill(input_name)
                if filled is None:
                    continue
                variables = {"input": filled}
            request_id = f"all-{m['name']}"
            resp = await client.client.post(
                "/graphql", json={"query": mutation_document(world.schema, m), "variables": variables},
                headers={"authorization": f"Bearer {tenant.token}", "x-request-id": request_id},
            )
            if payload_errors(resp.json(), m["name"]) == []:
                successes.append((m["name"], request_id))
        # then
        missing = []
        for name, request_id in successes:
            rows = await _audited(client, request_id)
            if not rows or {r.operation for r in rows} != {name}:
                missing.append((name, [r.operation for r in rows]))
        assert missing == []
        succeeded = {name for name, _ in successes}
        assert {"createStaff", "createApiToken", "revokeApiToken", "eraseCustomer", "login"} <= succeeded, (
            f"never succeeded: {sorted({m['name'] for m in world.schema.mutations} - succeeded)}"
        )


async def test_audit_rows_cannot_be_updated_or_deleted(api: Api, tenant: Tenant) -> None:
    # given
    await api.ok(LOGIN % PASSWORD, token=None)
    # when / then: the ORM refuses
    for change in ("update", "delete", "bulk update", "bulk delete"):
        async with api.db.session(tenant_id=tenant.id) as session:
            with pytest.raises(AuditImmutableError):
                async with unit_of_work(session, operation="tamper"):
                    entry = await session.scalar(select(AuditEntry).limit(1))
                    assert entry is not None
                    if change == "update":
                        entry.operation = "forged"
                    elif change == "delete":
                        await session.delete(entry)
                    elif change == "bulk update":
                        await session.execute(update(AuditEntry).values(operation="forged"))
                    else:
                        await session.execute(delete(AuditEntry))
    if api.db.dialect != "postgresql":
        return
    # and PostgreSQL refuses raw SQL too, except a scrub of `changes` under the erasure flag
    async with api.db.session(tenant_id=tenant.id) as session:
        for statement in ("UPDATE audit_entry SET operation = 'forged'", "DELETE FROM audit_entry"):
            with pytest.raises(Exception, match="append-only"):
                async with session.begin():
                    await session.execute(text(statement))
        async with session.begin():
            # the erasure's path (db/rls.py): it names the customer and keeps the field names
            await session.execute(text("SELECT set_config('canopy.audit_scrub', '1', true)"))
            await session.execute(text("UPDATE audit_entry SET changes = changes || '{}'"))
            with pytest.raises(Exception, match="append-only"):
                async with session.begin_nested():
                    await session.execute(text("UPDATE audit_entry SET operation = 'forged'"))


async def test_audit_log_follows_the_readers_scope(api: Api, tenant: Tenant) -> None:
    # given
    near = await add_node(api, tenant.id, tenant.root_id, "NEAR", "Near")
    away = await add_node(api, tenant.id, tenant.root_id, "AWAY", "Away")
    mine = await add_customer(api, tenant.id, near.id, name="Nina", email="nina@x.example", phone="+4930123456")
    theirs = await add_customer(api, tenant.id, away.id, name="Hal", email="hal@x.example", phone="+4930654321")
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=near.id)
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=near.id)
    mine_id, theirs_id = to_global_id("Customer", mine), to_global_id("Customer", theirs)
    # when
    admin_view = await api.ok(AUDIT_LOG, {"entity": theirs_id})
    manager_mine = await api.ok(AUDIT_LOG, {"entity": mine_id}, token=manager)
    manager_theirs = await api.ok(AUDIT_LOG, {"entity": theirs_id}, token=manager)
    manager_all = await api.ok(AUDIT_LOG, {"n": 100}, token=manager)
    forbidden = await api.post(AUDIT_LOG, {"entity": mine_id}, token=sales)
    # then
    entry = admin_view["auditLog"]["edges"][0]["node"]
    assert entry["operation"] == "createCustomer"
    assert entry["entityId"] == theirs_id
    assert entry["changes"]["email"] == [None, "hal@x.example"]
    assert entry["at"]
    assert manager_mine["auditLog"]["totalCount"] == 1
    assert manager_theirs["auditLog"] == {"totalCount": 0, "edges": []}
    entities = {e["node"]["entityId"] for e in manager_all["auditLog"]["edges"]}
    assert mine_id in entities and theirs_id not in entities
    assert to_global_id("TierNode", near.id) in entities and to_global_id("TierNode", away.id) not in entities
    assert forbidden["data"] is None
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_audit_entries_are_nodes_in_scope(api: Api, tenant: Tenant) -> None:
    # given
    away = await add_node(api, tenant.id, tenant.root_id, "AWAY", "Away")
    near = await add_node(api, tenant.id, tenant.root_id, "NEAR", "Near")
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=near.id)
    log = await api.ok(AUDIT_LOG, {"entity": to_global_id("TierNode", away.id)})
    entry_id = log["auditLog"]["edges"][0]["node"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on AuditEntry { operation } } }"
    # when / then
    assert (await api.ok(query, {"id": entry_id}))["node"] == {"operation": "system"}
    assert (await api.ok(query, {"id": entry_id}, token=manager))["node"] is None
