"""logInteraction: channels, time, scope, events, Customer.interactions."""

from __future__ import annotations

import pytest

from db.models.core import Event, Role
from db.models.service import Interaction
from tests.conftest import Api
from tests.orders.conftest import Chain, count

LOG = """mutation($input: LogInteractionInput!) { logInteraction(input: $input) {
  interaction { id kind channel summary occurredAt staff { name } customer { name } } errors { field code message } } }"""
LIST = """query($id: ID!) { node(id: $id) { ... on Customer { interactions(first: 10) {
  totalCount edges { node { summary channel } } } } } }"""


async def test_log_interaction_and_list_newest_first(api: Api, chain: Chain) -> None:
    # given / when
    base = {"customerId": chain.customer("alice"), "kind": "CALL"}
    first = await api.ok(LOG, {"input": {**base, "summary": "asked about sizes", "occurredAt": "2024-01-01T09:00:00Z"}})
    second = await api.ok(LOG, {"input": {**base, "summary": "via bot", "channel": "Telegram"}})
    # then
    made = first["logInteraction"]["interaction"]
    assert made["channel"] == "api" and made["staff"] == {"name": "Administrator"}
    assert made["occurredAt"] == "2024-01-01T09:00:00+00:00"
    assert made["customer"] == {"name": "Alice"}
    assert second["logInteraction"]["interaction"]["channel"] == "telegram"
    listed = (await api.ok(LIST, {"id": chain.customer("alice")}))["node"]["interactions"]
    assert listed["totalCount"] == 2
    assert [e["node"]["summary"] for e in listed["edges"]] == ["via bot", "asked about sizes"]
    assert await count(api, Event, Event.type == "INTERACTION_LOGGED") == 2


@pytest.mark.parametrize(("extra", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"summary": "   "}, "summary"),
    ({"occurredAt": "2999-01-01T00:00:00Z"}, "occurredAt"),
])
async def test_bad_input_writes_nothing(api: Api, chain: Chain, extra: dict, field: str) -> None:
    data = await api.ok(LOG, {"input": {"customerId": chain.customer("alice"), "kind": "NOTE", "summary": "x", **extra}})
    assert [(e["code"], e["field"]) for e in data["logInteraction"]["errors"]] == [("INVALID", [field])]
    assert await count(api, Interaction) == 0


async def test_scope_and_role(api: Api, chain: Chain) -> None:
    sales = await api.make_staff(chain.tenant, role=Role.SALES, scope_node_id=chain.nodes["DE-1"].id)
    integrator = await api.make_staff(chain.tenant, role=Role.INTEGRATOR, scope_node_id=chain.tenant.root_id)
    base = {"kind": "VISIT", "summary": "came in", "channel": "store"}
    other = await api.ok(LOG, {"input": {**base, "customerId": chain.customer("yuki")}}, token=sales)
    mine = await api.ok(LOG, {"input": {**base, "customerId": chain.customer("alice")}}, token=sales)
    denied = await api.ok(LOG, {"input": {**base, "customerId": chain.customer("alice")}}, token=integrator)
    assert [(e["code"], e["field"]) for e in other["logInteraction"]["errors"]] == [("NOT_FOUND", ["customerId"])]
    assert mine["logInteraction"]["errors"] == []
    assert denied["logInteraction"]["errors"][0]["code"] == "FORBIDDEN"
    assert await count(api, Interaction) == 1
