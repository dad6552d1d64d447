"""GDPR access and erasure, generic over every table."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from db.models.core import Event, Role
from db.models.customers import Customer
from db.uow import unit_of_work
from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.security.conftest import all_rows
from tests.security.harness import add_customer, add_node

EXPORT = "query($id: ID!) { exportCustomer(id: $id) }"
ERASE = """mutation($id: ID!) { eraseCustomer(input: {id: $id}) {
  customer { id name email phone externalRef attributes tags } errors { code field } } }"""
NAME, EMAIL, PHONE = "Zoë Quinterro", "Zoe.Quinterro@example.com", "+493055512345"


async def _customer_with_history(api: Api, tenant: Tenant) -> tuple[int, int]:
    """A customer whose PII sits in the row, in audit before/after values, in events and elsewhere."""
    store = await add_node(api, tenant.id, tenant.root_id, "S1", "Store")
    customer_id = await add_customer(api, tenant.id, store.id, name=NAME, email=EMAIL, phone=PHONE)
    async with api.db.session(tenant_id=tenant.id) as session:
        async with unit_of_work(session, operation="updateCustomer"):
            customer = await session.get(Customer, (tenant.id, customer_id))
            assert customer is not None
            customer.email = EMAIL.upper()  # a second value in the audit trail
            customer.tags = ["vip"]
    async with api.db.session(tenant_id=tenant.id) as session:
        async with unit_of_work(session, operation="updateCustomer"):
            customer = await session.get(Customer, (tenant.id, customer_id))
            assert customer is not None
            customer.email = EMAIL
            customer.attributes = {"notes": [f"called {PHONE}", {"by": NAME.lower()}]}
    return customer_id, store.id


def _mentions(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    found = []
    for table, items in rows.items():
        for row in items:
            for column, value in row.items():
                text = orjson.dumps(value, default=str).decode().lower()
                for needle in (NAME, EMAIL, PHONE):
                    if needle.lower() in text or orjson.dumps(needle).decode()[1:-1].lower() in text:
                        found.append(f"{table}.{column}")
    return found


async def test_export_holds_the_customer_their_audit_trail_and_events(api: Api, tenant: Tenant) -> None:
    # given
    customer_id, _ = await _customer_with_history(api, tenant)
    gid = to_global_id("Customer", customer_id)
    # when
    data = (await api.ok(EXPORT, {"id": gid}))["exportCustomer"]
    # then
    assert data["customer"]["name"] == NAME and data["customer"]["email"] == EMAIL
    assert [a["operation"] for a in data["auditTrail"]] == ["createCustomer", "updateCustomer", "updateCustomer"]
    assert [e["type"] for e in data["events"]] == ["CUSTOMER_CREATED"]


async def test_export_is_for_admins_and_managers_of_the_customer(api: Api, tenant: Tenant) -> None:
    # given
    customer_id, store_id = await _customer_with_history(api, tenant)
    gid = to_global_id("Customer", customer_id)
    other = await api.make_tenant("other")
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=store_id)
    # when
    foreign = await api.post(EXPORT, {"id": gid}, token=other.token)
    forbidden = await api.post(EXPORT, {"id": gid}, token=sales)
    # then
    assert foreign["data"] is None and foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert NAME not in orjson.dumps(foreign).decode()
    assert forbidden["data"] is None and forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_after_erasure_no_row_anywhere_holds_the_customers_pii(api: Api, tenant: Tenant) -> None:
    # given
    customer_id, _ = await _customer_with_history(api, tenant)
    gid = to_global_id("Customer", customer_id)
    assert _mentions(await all_rows(api))  # the PII is in many places before
    before = {t: len(r) for t, r in (await all_rows(api)).items()}
    # when
    payload = (await api.ok(ERASE, {"id": gid}))["eraseCustomer"]
    # then
    assert payload["errors"] == []
    assert payload["customer"] == {
        "id": gid, "name": "Erased customer", "email": None, "phone": None, "externalRef": None,
        "attributes": {}, "tags": [],
    }
    rows = await all_rows(api)
    assert _mentions(rows) == []
    customer = next(r for r in rows["customer"] if r["id"] == customer_id)
    assert customer["erased_at"] is not None
    assert len(rows["customer"]) == before["customer"]  # the row (and what hangs off it) stays
    erase_audit = [r for r in rows["audit_entry"] if r["operation"] == "eraseCustomer"]
    assert erase_audit and erase_audit[0]["changes"]["name"] == ["***", "Erased customer"]
    async with api.db.session(tenant_id=tenant.id) as session:
        erased = (await session.scalars(select(Event).where(Event.type == "CUSTOMER_ERASED"))).all()
    assert [(e.subject_type, e.subject_id) for e in erased] == [("Customer", customer_id)]


async def test_erasure_needs_the_right_and_the_scope(api: Api, tenant: Tenant) -> None:
    # given
    customer_id, store_id = await _customer_with_history(api, tenant)
    gid = to_global_id("Customer", customer_id)
    elsewhere = await add_node(api, tenant.id, tenant.root_id, "S2", "Elsewhere")
    outsider = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=elsewhere.id)
    sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=store_id)
    # when
    out_of_scope = (await api.ok(ERASE, {"id": gid}, token=outsider))["eraseCustomer"]
    forbidden = (await api.ok(ERASE, {"id": gid}, token=sales))["eraseCustomer"]
    # then
    assert out_of_scope == {"customer": None, "errors": [{"code": "NOT_FOUND", "field": ["id"]}]}
    assert forbidden["errors"][0]["code"] == "FORBIDDEN"
    assert _mentions(await all_rows(api))  # nothing erased
