"""The cross-cutting rules: tenant filter, audit by construction, event cursors, staff."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from db.models.core import AuditEntry, Event, Role, Staff
from db.outbox import emit
from db.tenancy import TenantScopeError
from schema.relay import to_global_id
from tests.conftest import Api, Tenant

CREATE_STAFF = """
mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id email role scope { code } } errors { field code message } }
}"""


def staff_input(tenant: Tenant, **kw: object) -> dict[str, object]:
    base = {
        "name": "Lena Weber", "email": "lena@acme.example", "role": "SALES",
        "scopeNodeId": to_global_id("TierNode", tenant.root_id), "password": "lena-weber-s3cret-pass",
    }
    base.update(kw)
    return {"input": base}


async def test_create_staff_is_audited_without_secrets(api: Api, tenant: Tenant) -> None:
    # when
    data = await api.ok(CREATE_STAFF, staff_input(tenant))
    # then
    payload = data["createStaff"]
    assert payload["errors"] == []
    assert payload["staff"]["email"] == "lena@acme.example"
    async with api.db.session(tenant_id=tenant.id) as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.operation == "createStaff"))).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_id == tenant.admin_id and entry.entity_type == "Staff"
    assert entry.changes["email"] == [None, "lena@acme.example"]
    assert entry.changes["password_hash"] == [None, "***"]


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"email": "not-an-email"}, "INVALID", ["email"]),
        ({"scopeNodeId": "VGllck5vZGU6MQ"}, "NOT_FOUND", ["scopeNodeId"]),
        ({"password": "short"}, "INVALID", ["password"]),
    ],
)
async def test_create_staff_rejects_bad_input_and_writes_nothing(
    api: Api, tenant: Tenant, override: dict[str, object], code: str, field: list[str]
) -> None:
    data = await api.ok(CREATE_STAFF, staff_input(tenant, **override))
    assert data["createStaff"]["staff"] is None
    assert [(e["code"], e["field"]) for e in data["createStaff"]["errors"]] == [(code, field)]
    async with api.db.session(tenant_id=tenant.id) as session:
        assert len((await session.scalars(select(Staff))).all()) == 1  # the admin only
        audited = await session.scalars(select(AuditEntry).where(AuditEntry.operation == "createStaff"))
        assert audited.all() == []


async def test_duplicate_email_conflicts_and_sales_may_not_create_staff(api: Api, tenant: Tenant) -> None:
    await api.ok(CREATE_STAFF, staff_input(tenant))
    again = await api.ok(CREATE_STAFF, staff_input(tenant))
    assert again["createStaff"]["errors"][0]["code"] == "CONFLICT"
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=tenant.root_id)
    denied = await api.ok(CREATE_STAFF, staff_input(tenant, email="x@acme.example"), token=sales)
    assert denied["createStaff"]["errors"][0]["code"] == "FORBIDDEN"


async def test_other_tenants_staff_is_invisible(api: Api, tenant: Tenant) -> None:
    other = await api.make_tenant("globex")
    gid = to_global_id("Staff", other.admin_id)
    data = await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
    assert data["node"] is None
    denied = await api.ok(
        CREATE_STAFF, staff_input(tenant, scopeNodeId=to_global_id("TierNode", other.root_id))
    )
    assert denied["createStaff"]["errors"][0]["code"] == "NOT_FOUND"


async def test_session_without_tenant_cannot_read_tenant_data(api: Api, tenant: Tenant) -> None:
    async with api.db.session() as session:
        with pytest.raises(TenantScopeError):
            await session.scalars(select(Staff))


async def test_event_cursors_follow_commit_order_under_concurrency(api: Api, tenant: Tenant) -> None:
    async def write(i: int) -> None:
        async with api.db.transaction(tenant_id=tenant.id) as session:
            emit(session, "CUSTOMER_UPDATED", node_id=tenant.root_id, data={"i": i})
            emit(session, "CUSTOMER_UPDATED", node_id=tenant.root_id, data={"i": i})

    await asyncio.gather(*(write(i) for i in range(20)))
    async with api.db.session(tenant_id=tenant.id) as session:
        events = (await session.scalars(select(Event).order_by(Event.seq))).all()
    assert [e.seq for e in events] == list(range(1, 41))
    # The two events of one transaction are adjacent: cursors were taken at commit.
    assert all(events[i].data == events[i + 1].data for i in range(0, 40, 2))


async def test_debug_counter_reports_statements(api: Api, tenant: Tenant) -> None:
    body = await api.post("{ me { email scope { code } } }")
    assert body["extensions"]["sql"]["statements"] >= 2
