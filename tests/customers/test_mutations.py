"""createCustomer and updateCustomer: validation, normalisation, tags, events, scope."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from db.models.core import Event, Role
from db.models.customers import Customer, CustomerTag
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.tree.factories import create_node

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id name email phone locale externalRef tags attributes node { code } }
    errors { field code message }
  }
}"""

UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    customer { name email phone locale tags attributes node { code } }
    errors { field code message }
  }
}"""


def _codes(payload: dict) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _stores(api: Api, tenant: Tenant) -> dict[str, str]:
    de = await create_node(api, tenant.root_id, "DE", kind="country", locale="de-DE")
    fr = await create_node(api, tenant.root_id, "FR", kind="country", locale="fr-FR")
    return {"BER": await create_node(api, de, "BER"), "PAR": await create_node(api, fr, "PAR")}


async def _rows(api: Api, tenant: Tenant, model: type) -> list:
    async with api.db.session(tenant_id=tenant.id) as session:
        return list((await session.scalars(select(model))).all())


class TestCreateCustomer:
    async def test_normalises_contact_data_with_the_store_as_context(self, api: Api, tenant: Tenant) -> None:
        # given
        stores = await _stores(api, tenant)
        # when
        data = await api.ok(CREATE, {"input": {
            "nodeId": stores["BER"], "name": "  Jürgen Müller ", "email": "Juergen@Example.COM",
            "phone": "030 1234 5678", "externalRef": "POS-1", "tags": ["VIP", " vip", "Birthday  Club"],
            "attributes": {"shoeSize": 44},
        }})
        # then
        payload = data["createCustomer"]
        assert payload["errors"] == []
        assert {k: v for k, v in payload["customer"].items() if k != "id"} == {
            "name": "Jürgen Müller", "email": "juergen@example.com", "phone": "+493012345678",
            "locale": "de-DE", "externalRef": "POS-1", "tags": ["birthday club", "vip"],
            "attributes": {"shoeSize": 44}, "node": {"code": "BER"},
        }
        row = (await _rows(api, tenant, Customer))[0]
        assert row.search_text == "jürgen müller juergen@example.com +493012345678 pos-1"
        assert sorted(t.tag for t in await _rows(api, tenant, CustomerTag)) == ["birthday club", "vip"]
        events = [e for e in await _rows(api, tenant, Event) if e.type == "CUSTOMER_CREATED"]
        assert [(e.subject_id, e.node_id) for e in events] == [(row.id, decode_id(stores["BER"], "TierNode"))]

    async def test_a_french_store_reads_national_numbers_as_french(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        data = await api.ok(CREATE, {"input": {
            "nodeId": stores["PAR"], "name": "Zoé", "phone": "01 42 68 53 00", "locale": "en_gb"}})
        assert data["createCustomer"]["customer"]["phone"] == "+33142685300"
        assert data["createCustomer"]["customer"]["locale"] == "en-GB"

    async def test_each_invalid_field_is_reported(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        data = await api.ok(CREATE, {"input": {
            "nodeId": stores["BER"], "name": " ", "email": "not-an-email", "phone": "12",
            "locale": "xx-QQ", "attributes": [1, 2], "tags": ["x" * 51],
        }})
        assert sorted(_codes(data["createCustomer"])) == [
            (["attributes"], "INVALID"), (["email"], "INVALID"), (["locale"], "INVALID"),
            (["name"], "INVALID"), (["phone"], "INVALID"), (["tags", "0"], "INVALID"),
        ]
        assert await _rows(api, tenant, Customer) == []

    async def test_duplicate_external_ref_is_a_conflict(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        first = {"nodeId": stores["BER"], "name": "A", "externalRef": "POS-7"}
        assert (await api.ok(CREATE, {"input": first}))["createCustomer"]["errors"] == []
        again = await api.ok(CREATE, {"input": {**first, "nodeId": stores["PAR"]}})
        assert _codes(again["createCustomer"]) == [(["externalRef"], "CONFLICT")]

    async def test_concurrent_duplicates_give_one_customer_and_one_conflict(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        body = {"input": {"nodeId": stores["BER"], "name": "A", "externalRef": "POS-8"}}
        results = await asyncio.gather(*(api.ok(CREATE, body) for _ in range(4)))
        codes = sorted(_codes(r["createCustomer"])[0][1] if r["createCustomer"]["errors"] else "OK" for r in results)
        assert codes == ["CONFLICT", "CONFLICT", "CONFLICT", "OK"]
        assert len(await _rows(api, tenant, Customer)) == 1

    async def test_unknown_node_and_forbidden_role(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        data = await api.ok(CREATE, {"input": {"nodeId": "nope", "name": "A"}})
        assert _codes(data["createCustomer"]) == [(["nodeId"], "NOT_FOUND")]
        support = await api.make_staff(tenant, role=Role.SUPPORT, scope_node_id=tenant.root_id)
        data = await api.ok(CREATE, {"input": {"nodeId": stores["BER"], "name": "A"}}, token=support)
        assert _codes(data["createCustomer"]) == [(None, "FORBIDDEN")]


class TestUpdateCustomer:
    async def test_updates_fields_tags_and_node(self, api: Api, tenant: Tenant) -> None:
        # given
        stores = await _stores(api, tenant)
        created = await api.ok(CREATE, {"input": {
            "nodeId": stores["BER"], "name": "Ada", "email": "ada@example.com", "tags": ["a", "b"]}})
        cid = created["createCustomer"]["customer"]["id"]
        # when
        data = await api.ok(UPDATE, {"input": {
            "id": cid, "nodeId": stores["PAR"], "name": "Ada L.", "email": None, "phone": "06 12 34 56 78",
            "tags": ["B", "c"], "attributes": {"vip": True}}})
        # then
        assert data["updateCustomer"] == {"errors": [], "customer": {
            "name": "Ada L.", "email": None, "phone": "+33612345678", "locale": "de-DE",
            "tags": ["b", "c"], "attributes": {"vip": True}, "node": {"code": "PAR"}}}
        assert sorted(t.tag for t in await _rows(api, tenant, CustomerTag)) == ["b", "c"]
        row = (await _rows(api, tenant, Customer))[0]
        assert row.search_text == "ada l. +33612345678"
        events = [e for e in await _rows(api, tenant, Event) if e.type == "CUSTOMER_UPDATED"]
        assert len(events) == 1 and events[0].node_id == decode_id(stores["PAR"], "TierNode")
        assert events[0].data == {"fields": ["node_id", "name", "email", "phone", "tags", "attributes"]}

    async def test_invalid_update_changes_nothing(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        created = await api.ok(CREATE, {"input": {"nodeId": stores["BER"], "name": "Ada", "tags": ["a"]}})
        cid = created["createCustomer"]["customer"]["id"]
        data = await api.ok(UPDATE, {"input": {"id": cid, "tags": ["z"], "email": "@@"}})
        assert _codes(data["updateCustomer"]) == [(["email"], "INVALID")]
        data = await api.ok(UPDATE, {"input": {"id": cid, "nodeId": "nope"}})
        assert _codes(data["updateCustomer"]) == [(["nodeId"], "NOT_FOUND")]
        assert [t.tag for t in await _rows(api, tenant, CustomerTag)] == ["a"]

    async def test_store_scoped_sales_cannot_touch_another_stores_customer(self, api: Api, tenant: Tenant) -> None:
        stores = await _stores(api, tenant)
        created = await api.ok(CREATE, {"input": {"nodeId": stores["PAR"], "name": "Zoé"}})
        cid = created["createCustomer"]["customer"]["id"]
        sales = await api.make_staff(tenant, role=Role.SALES, scope_node_id=decode_id(stores["BER"], "TierNode"))
        data = await api.ok(UPDATE, {"input": {"id": cid, "name": "Mine"}}, token=sales)
        assert _codes(data["updateCustomer"]) == [(["id"], "NOT_FOUND")]
        data = await api.ok(CREATE, {"input": {"nodeId": stores["PAR"], "name": "X"}}, token=sales)
        assert _codes(data["createCustomer"]) == [(["nodeId"], "NOT_FOUND")]
        assert (await _rows(api, tenant, Customer))[0].name == "Zoé"
