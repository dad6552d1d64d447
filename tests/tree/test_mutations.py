"""createTierNode, updateTierNode, deleteTierNode: success, each UserError code, events."""

from __future__ import annotations

from sqlalchemy import select

from db.models.core import Event, Role
from db.models.tree import TierNode
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.tree.factories import CREATE_NODE, create_node, node_gid

UPDATE_NODE = """
mutation($input: UpdateTierNodeInput!) {
  updateTierNode(input: $input) {
    tierNode { name kind ownSettings { currency locale timezone } settings { currency locale timezone } }
    errors { field code message }
  }
}"""

DELETE_NODE = """
mutation($id: ID!) { deleteTierNode(input: {id: $id}) { deletedTierNodeId errors { field code message } } }"""

CREATE_CUSTOMER = """
mutation($node: ID!) { createCustomer(input: {nodeId: $node, name: "Ada"}) { errors { code } } }"""


def _codes(payload: dict) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def _events(api: Api, tenant: Tenant, type_: str) -> list[Event]:
    async with api.db.session(tenant_id=tenant.id) as session:
        return list((await session.scalars(select(Event).where(Event.type == type_).order_by(Event.seq))).all())


class TestCreateTierNode:
    async def test_creates_under_parent_with_normalised_settings(self, api: Api, tenant: Tenant) -> None:
        # when
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": node_gid(tenant.root_id), "code": " CN ", "name": "China", "kind": "country",
            "settings": {"currency": "cny", "locale": "zh_CN", "timezone": "Asia/Shanghai"},
        }})
        # then
        payload = data["createTierNode"]
        assert payload["errors"] == []
        assert payload["tierNode"]["code"] == "CN" and payload["tierNode"]["depth"] == 1
        async with api.db.session(tenant_id=tenant.id) as session:
            row = await session.scalar(select(TierNode).where(TierNode.code == "CN"))
        assert (row.currency, row.locale, row.timezone) == ("CNY", "zh-CN", "Asia/Shanghai")
        assert row.parent_id == tenant.root_id
        events = await _events(api, tenant, "TIER_NODE_CHANGED")
        assert [(e.node_id, e.data["change"]) for e in events] == [(row.id, "created")]

    async def test_invalid_settings_and_fields_are_reported_together(self, api: Api, tenant: Tenant) -> None:
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": node_gid(tenant.root_id), "code": "", "name": "x", "kind": "store",
            "settings": {"currency": "XXQ", "locale": "not a locale", "timezone": "Mars/Olympus"},
        }})
        assert sorted(_codes(data["createTierNode"])) == [
            (["code"], "INVALID"), (["settings", "currency"], "INVALID"),
            (["settings", "locale"], "INVALID"), (["settings", "timezone"], "INVALID"),
        ]
        assert await _count_nodes(api, tenant) == 1

    async def test_unknown_parent_is_not_found(self, api: Api, tenant: Tenant) -> None:
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": node_gid(12345), "code": "X", "name": "x", "kind": "store"}})
        assert _codes(data["createTierNode"]) == [(["parentId"], "NOT_FOUND")]

    async def test_duplicate_code_is_a_conflict(self, api: Api, tenant: Tenant) -> None:
        await create_node(api, tenant.root_id, "DUP")
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": node_gid(tenant.root_id), "code": "DUP", "name": "x", "kind": "store"}})
        assert _codes(data["createTierNode"]) == [(["code"], "CONFLICT")]
        assert await _count_nodes(api, tenant) == 2

    async def test_sales_may_not_write_the_tree(self, api: Api, tenant: Tenant) -> None:
        token = await api.make_staff(tenant, role=Role.SALES, scope_node_id=tenant.root_id)
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": node_gid(tenant.root_id), "code": "X", "name": "x", "kind": "store"}}, token=token)
        assert _codes(data["createTierNode"]) == [(None, "FORBIDDEN")]

    async def test_manager_cannot_create_outside_their_subtree(self, api: Api, tenant: Tenant) -> None:
        eu = await create_node(api, tenant.root_id, "EU", kind="region")
        us = await create_node(api, tenant.root_id, "US", kind="region")
        token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=decode_id(eu, "TierNode"))
        data = await api.ok(CREATE_NODE, {"input": {
            "parentId": us, "code": "X", "name": "x", "kind": "store"}}, token=token)
        assert _codes(data["createTierNode"]) == [(["parentId"], "NOT_FOUND")]
        assert await create_node(api, eu, "EU-1", token=token)


class TestUpdateTierNode:
    async def test_updates_name_and_overrides_then_inherits_again(self, api: Api, tenant: Tenant) -> None:
        # given
        store = await create_node(api, tenant.root_id, "S1", currency="GBP")
        # when
        renamed = await api.ok(UPDATE_NODE, {"input": {
            "id": store, "name": "Soho", "kind": "flagship", "settings": {"locale": "en-GB"}}})
        cleared = await api.ok(UPDATE_NODE, {"input": {"id": store, "settings": {"currency": None}}})
        # then
        node = renamed["updateTierNode"]["tierNode"]
        assert (node["name"], node["kind"]) == ("Soho", "flagship")
        assert node["ownSettings"] == {"currency": "GBP", "locale": "en-GB", "timezone": None}
        node = cleared["updateTierNode"]["tierNode"]
        assert node["ownSettings"] == {"currency": None, "locale": "en-GB", "timezone": None}
        assert node["settings"] == {"currency": "EUR", "locale": "en-GB", "timezone": "UTC"}
        changes = [e.data for e in await _events(api, tenant, "TIER_NODE_CHANGED")][1:]
        assert changes == [{"change": "updated", "fields": ["name", "kind", "locale"]},
                           {"change": "updated", "fields": ["currency"]}]

    async def test_root_must_keep_its_settings(self, api: Api, tenant: Tenant) -> None:
        data = await api.ok(UPDATE_NODE, {"input": {
            "id": node_gid(tenant.root_id), "settings": {"currency": None, "timezone": None}}})
        assert _codes(data["updateTierNode"]) == [
            (["settings", "currency"], "INVALID"), (["settings", "timezone"], "INVALID")]

    async def test_invalid_values_and_unknown_node(self, api: Api, tenant: Tenant) -> None:
        data = await api.ok(UPDATE_NODE, {"input": {"id": node_gid(tenant.root_id), "name": "  "}})
        assert _codes(data["updateTierNode"]) == [(["name"], "INVALID")]
        data = await api.ok(UPDATE_NODE, {"input": {
            "id": node_gid(tenant.root_id), "settings": {"membershipProgramId": "garbage"}}})
        assert _codes(data["updateTierNode"]) == [(["settings", "membershipProgramId"], "INVALID")]
        data = await api.ok(UPDATE_NODE, {"input": {"id": "garbage", "name": "x"}})
        assert _codes(data["updateTierNode"]) == [(["id"], "NOT_FOUND")]


class TestDeleteTierNode:
    async def test_deletes_an_empty_node(self, api: Api, tenant: Tenant) -> None:
        store = await create_node(api, tenant.root_id, "S1")
        data = await api.ok(DELETE_NODE, {"id": store})
        assert data["deleteTierNode"] == {"deletedTierNodeId": store, "errors": []}
        assert await _count_nodes(api, tenant) == 1
        assert (await api.ok('query($id: ID!) { node(id: $id) { id } }', {"id": store}))["node"] is None
        assert [e.data["change"] for e in await _events(api, tenant, "TIER_NODE_CHANGED")] == ["created", "deleted"]

    async def test_refuses_a_node_with_children_customers_or_staff(self, api: Api, tenant: Tenant) -> None:
        # given
        region = await create_node(api, tenant.root_id, "R")
        await create_node(api, region, "R-1")
        with_customer = await create_node(api, tenant.root_id, "C")
        assert (await api.ok(CREATE_CUSTOMER, {"node": with_customer}))["createCustomer"]["errors"] == []
        with_staff = await create_node(api, tenant.root_id, "S")
        await api.make_staff(tenant, role=Role.SALES, scope_node_id=decode_id(with_staff, "TierNode"))
        # when / then
        for node, what in ((region, "children"), (with_customer, "customers"), (with_staff, "staff")):
            data = await api.ok(DELETE_NODE, {"id": node})
            assert _codes(data["deleteTierNode"]) == [(["id"], "CONFLICT")]
            assert what in data["deleteTierNode"]["errors"][0]["message"]
        data = await api.ok(DELETE_NODE, {"id": node_gid(tenant.root_id)})
        assert _codes(data["deleteTierNode"]) == [(["id"], "CONFLICT")]
        assert await _count_nodes(api, tenant) == 5

    async def test_unknown_node_is_not_found(self, api: Api, tenant: Tenant) -> None:
        data = await api.ok(DELETE_NODE, {"id": node_gid(42)})
        assert _codes(data["deleteTierNode"]) == [(["id"], "NOT_FOUND")]


async def _count_nodes(api: Api, tenant: Tenant) -> int:
    async with api.db.session(tenant_id=tenant.id) as session:
        return len((await session.scalars(select(TierNode.id))).all())
