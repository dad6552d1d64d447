"""Opportunities: creation, the stage machine and its history, closing, bad input, scope."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.models.core import Event, Role
from db.models.pipeline import Opportunity, OpportunityStageChange, Pipeline
from db.models.tree import TierNode
from resolvers.common.viewer import Viewer
from resolvers.pipeline.opportunities import opportunity_timeline_source
from schema.relay import decode_id, to_global_id
from tests.conftest import Api
from tests.pipeline.conftest import Shop, count, create_opportunity

PIPELINES = "{ pipelines { id name isDefault stages { id name rank probability outcome } } }"

MOVE = """
mutation($id: ID!, $stage: ID!) {
  moveOpportunityStage(input: {id: $id, stageId: $stage}) {
    opportunity { status stage { name } stageHistory { from { name } to { name } by { id } at } }
    errors { field code message }
  }
}"""

WIN = """
mutation($id: ID!, $order: ID) {
  winOpportunity(input: {id: $id, orderId: $order}) {
    opportunity { status stage { name } wonOrderId closedAt stageHistory { from { name } to { name } } }
    errors { field code }
  }
}"""

LOSE = """
mutation($id: ID!, $reason: String!) {
  loseOpportunity(input: {id: $id, reason: $reason}) {
    opportunity { status lostReason stage { name } }
    errors { field code }
  }
}"""

CREATE_PIPELINE = """
mutation($input: CreatePipelineInput!) {
  createPipeline(input: $input) {
    pipeline { id name isDefault stages { id name rank probability outcome } }
    errors { field code message }
  }
}"""

CREATE_ORDER = """
mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } errors { field code } } }"""

UPDATE = """
mutation($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) {
    opportunity { title amount { amount currency } amountReporting { amount } expectedCloseDate owner { id } }
    errors { field code }
  }
}"""

LIST = """
query($first: Int, $status: [OpportunityStatus!], $node: ID, $owner: ID) {
  opportunities(first: $first, status: $status, nodeId: $node, ownerId: $owner) {
    totalCount
    edges { node { id title customer { name } owner { name } store { code } stage { name }
                   pipeline { name } amount { amount } } }
  }
}"""

NODE = "query($id: ID!) { node(id: $id) { id ... on Opportunity { title } } }"


async def _stages(api: Api) -> dict[str, str]:
    pipelines = (await api.ok(PIPELINES))["pipelines"]
    return {s["name"]: s["id"] for s in pipelines[0]["stages"]}


async def test_default_pipeline_is_created_once_with_its_stages(api: Api, shop: Shop) -> None:
    # when
    first, second = await asyncio.gather(api.ok(PIPELINES), api.ok(PIPELINES))
    # then
    assert first == second
    [pipeline] = first["pipelines"]
    assert pipeline["isDefault"] is True
    assert [(s["name"], s["probability"], s["outcome"]) for s in pipeline["stages"]] == [
        ("Lead", "0.1", "OPEN"), ("Qualified", "0.3", "OPEN"), ("Proposal", "0.6", "OPEN"),
        ("Won", "1", "WON"), ("Lost", "0", "LOST"),
    ]
    assert await count(api, shop.tenant, Pipeline) == 1


async def test_create_starts_in_first_stage_with_history_and_event(api: Api, shop: Shop) -> None:
    # when
    payload = await create_opportunity(
        api, customerId=shop.customers["S1"], title="  Fit-out ", amount="1234.50",
        expectedCloseDate="2099-01-31", ownerId=shop.sales_id,
    )
    # then
    assert payload["errors"] == [] and payload["warnings"] == []
    opp = payload["opportunity"]
    assert opp["title"] == "Fit-out" and opp["status"] == "OPEN"
    assert opp["amount"] == {"amount": "1234.50", "currency": "EUR"}
    assert opp["amountReporting"] == {"amount": "1234.50", "currency": "EUR"}
    assert opp["stage"]["name"] == "Lead" and opp["store"]["code"] == "S1"
    assert opp["owner"]["id"] == shop.sales_id and opp["expectedCloseDate"] == "2099-01-31"
    assert await count(api, shop.tenant, OpportunityStageChange) == 1
    async with api.db.session(tenant_id=shop.tenant.id) as session:
        [event] = (await session.scalars(select(Event).where(Event.type == "OPPORTUNITY_CREATED"))).all()
    assert (event.subject_type, event.node_id) == ("Opportunity", shop.nodes["S1"])
    assert event.data["amount"] == "1234.50" and event.data["stage"] == "Lead"


async def test_stage_machine_keeps_history_and_closes(api: Api, shop: Shop) -> None:
    # given
    stages = await _stages(api)
    opp = (await create_opportunity(api, customerId=shop.customers["S2"], title="Deal", amount="10"))[
        "opportunity"]
    # when
    await api.ok(MOVE, {"id": opp["id"], "stage": stages["Proposal"]})
    moved = (await api.ok(MOVE, {"id": opp["id"], "stage": stages["Qualified"]}))["moveOpportunityStage"]
    won = (await api.ok(WIN, {"id": opp["id"]}))["winOpportunity"]
    # then
    history = moved["opportunity"]["stageHistory"]
    assert [(h["from"] and h["from"]["name"], h["to"]["name"]) for h in history] == [
        (None, "Lead"), ("Lead", "Proposal"), ("Proposal", "Qualified"),
    ]
    assert {h["by"]["id"] for h in history} == {shop.admin_id}
    assert won["errors"] == []
    assert won["opportunity"]["status"] == "WON" and won["opportunity"]["stage"]["name"] == "Won"
    assert won["opportunity"]["closedAt"] is not None
    assert won["opportunity"]["stageHistory"][-1] == {"from": {"name": "Qualified"}, "to": {"name": "Won"}}
    types = ["OPPORTUNITY_CREATED", "OPPORTUNITY_STAGE_CHANGED", "OPPORTUNITY_WON"]
    assert [await count(api, shop.tenant, Event, Event.type == t) for t in types] == [1, 2, 1]
    # a closed opportunity moves no more
    again = (await api.ok(MOVE, {"id": opp["id"], "stage": stages["Lead"]}))["moveOpportunityStage"]
    assert again["errors"][0]["code"] == "ILLEGAL_TRANSITION"
    lost = (await api.ok(LOSE, {"id": opp["id"], "reason": "late"}))["loseOpportunity"]
    assert lost["errors"][0]["code"] == "ILLEGAL_TRANSITION"


async def test_lose_needs_a_reason_and_lands_in_lost(api: Api, shop: Shop) -> None:
    # given
    opp = (await create_opportunity(api, customerId=shop.customers["S2"], title="Deal", amount="10"))[
        "opportunity"]
    # when
    blank = (await api.ok(LOSE, {"id": opp["id"], "reason": "  "}))["loseOpportunity"]
    lost = (await api.ok(LOSE, {"id": opp["id"], "reason": "went to a rival"}))["loseOpportunity"]
    # then
    assert blank["errors"] == [{"field": ["reason"], "code": "INVALID"}]
    assert lost["opportunity"] == {"status": "LOST", "lostReason": "went to a rival", "stage": {"name": "Lost"}}
    assert await count(api, shop.tenant, Event, Event.type == "OPPORTUNITY_LOST") == 1


async def test_win_links_an_order_of_the_same_customer(api: Api, shop: Shop) -> None:
    # given
    opp = (await create_opportunity(api, customerId=shop.customers["S1"], title="D", amount="1"))["opportunity"]
    own, other = [
        (await api.ok(CREATE_ORDER, {"input": {"customerId": shop.customers[c], "storeId": shop.node(c),
                                                "lines": [{"sku": "A", "name": "A", "quantity": 1,
                                                           "unitPrice": "9.90"}]}}))["createOrder"]["order"]["id"]
        for c in ("S1", "S2")
    ]
    # when
    wrong = (await api.ok(WIN, {"id": opp["id"], "order": other}))["winOpportunity"]
    unknown = (await api.ok(WIN, {"id": opp["id"], "order": "T3JkZXI6NDI"}))["winOpportunity"]
    won = (await api.ok(WIN, {"id": opp["id"], "order": own}))["winOpportunity"]
    # then
    assert wrong["errors"] == [{"field": ["orderId"], "code": "INVALID"}]
    assert unknown["errors"] == [{"field": ["orderId"], "code": "NOT_FOUND"}]
    assert won["opportunity"]["wonOrderId"] == own


async def test_stage_of_another_pipeline_is_invalid_and_writes_nothing(api: Api, shop: Shop) -> None:
    # given
    other = (await api.ok(CREATE_PIPELINE, {"input": {"name": "Wholesale", "stages": [
        {"name": "Contact", "probability": "0.2"}, {"name": "Signed", "probability": "1", "outcome": "WON"},
    ]}}))["createPipeline"]["pipeline"]
    opp = (await create_opportunity(api, customerId=shop.customers["S1"], title="D", amount="1"))["opportunity"]
    history_before = await count(api, shop.tenant, OpportunityStageChange)
    # when
    moved = (await api.ok(MOVE, {"id": opp["id"], "stage": other["stages"][0]["id"]}))["moveOpportunityStage"]
    created = await create_opportunity(
        api, customerId=shop.customers["S1"], title="D", amount="1",
        pipelineId=(await api.ok(PIPELINES))["pipelines"][0]["id"], stageId=other["stages"][0]["id"],
    )
    # then
    assert moved["errors"][0]["field"] == ["stageId"] and moved["errors"][0]["code"] == "INVALID"
    assert created["errors"][0]["field"] == ["stageId"] and created["opportunity"] is None
    assert await count(api, shop.tenant, OpportunityStageChange) == history_before
    assert await count(api, shop.tenant, Opportunity) == 1
    assert await count(api, shop.tenant, Event, Event.type == "OPPORTUNITY_STAGE_CHANGED") == 0


async def test_bad_input_is_a_user_error_with_field_and_writes_nothing(api: Api, shop: Shop) -> None:
    cases = [
        ({"currency": "ZZZ"}, ["currency"], "INVALID"),
        ({"amount": "1.234"}, ["amount"], "INVALID"),
        ({"amount": "-1"}, ["amount"], "INVALID"),
        ({"amount": "1e30"}, ["amount"], "INVALID"),
        ({"amount": "NaN"}, ["amount"], "INVALID"),
        ({"currency": "USD"}, ["currency"], "INVALID"),  # no exchange rate to EUR
        ({"ownerId": shop.s1_id, "customerId": shop.customers["S2"]}, ["ownerId"], "INVALID"),
        ({"expectedCloseDate": "31/12/2026"}, ["expectedCloseDate"], "INVALID"),
        ({"customerId": "bm9wZQ"}, ["customerId"], "NOT_FOUND"),
        ({"title": " "}, ["title"], "INVALID"),
    ]
    for override, field, code in cases:
        fields = {"customerId": shop.customers["S1"], "title": "T", "amount": "5", **override}
        payload = await create_opportunity(api, **fields)
        assert payload["opportunity"] is None, override
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], override
    assert await count(api, shop.tenant, Opportunity) == 0
    assert await count(api, shop.tenant, Event) == 0


async def test_past_close_date_is_allowed_but_flagged(api: Api, shop: Shop) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    payload = await create_opportunity(
        api, customerId=shop.customers["S1"], title="Late", amount="5", expectedCloseDate=yesterday
    )
    assert payload["errors"] == []
    assert payload["opportunity"]["expectedCloseDate"] == yesterday
    assert [(w["field"], w["code"]) for w in payload["warnings"]] == [(["expectedCloseDate"], "INVALID")]


async def test_update_changes_fields_and_checks_owner_scope(api: Api, shop: Shop) -> None:
    # given
    opp = (await create_opportunity(api, customerId=shop.customers["S2"], title="D", amount="1"))["opportunity"]
    # when
    ok = (await api.ok(UPDATE, {"input": {"id": opp["id"], "title": "Bigger", "amount": "99.90",
                                          "expectedCloseDate": None, "ownerId": shop.sales_id}}))
    bad = (await api.ok(UPDATE, {"input": {"id": opp["id"], "ownerId": shop.s1_id, "title": "X"}}))
    # then
    assert ok["updateOpportunity"]["opportunity"] == {
        "title": "Bigger", "amount": {"amount": "99.90", "currency": "EUR"},
        "amountReporting": {"amount": "99.90"}, "expectedCloseDate": None, "owner": {"id": shop.sales_id},
    }
    assert bad["updateOpportunity"]["errors"] == [{"field": ["ownerId"], "code": "INVALID"}]
    listed = (await api.ok(LIST))["opportunities"]["edges"][0]["node"]
    assert listed["title"] == "Bigger"


async def test_create_pipeline_is_for_admins_and_validates_stages(api: Api, shop: Shop) -> None:
    # when
    as_sales = (await api.ok(CREATE_PIPELINE, {"input": {"name": "X", "stages": [
        {"name": "A", "probability": "0.5"}]}}, token=shop.sales_token))["createPipeline"]
    invalid = (await api.ok(CREATE_PIPELINE, {"input": {"name": "Sales", "stages": [
        {"name": "A", "probability": "0.5"}, {"name": "B", "probability": "1.5"},
        {"name": "a", "probability": "0.1"}, {"name": "W", "probability": "1", "outcome": "WON"},
        {"name": "W2", "probability": "1", "outcome": "WON"}, {"name": "P", "probability": "0.12345"},
    ]}}))["createPipeline"]
    # then
    assert as_sales["errors"][0]["code"] == "FORBIDDEN"
    assert [(e["field"], e["code"]) for e in invalid["errors"]] == [
        (["name"], "CONFLICT"), (["stages", "1", "probability"], "INVALID"),
        (["stages", "2", "name"], "CONFLICT"), (["stages", "4", "outcome"], "INVALID"),
        (["stages", "5", "probability"], "INVALID"),
    ]
    assert await count(api, shop.tenant, Pipeline) == 0  # not even the default: all rolled back


async def test_scope_hides_other_stores(api: Api, shop: Shop) -> None:
    # given
    stages = await _stages(api)
    s2 = (await create_opportunity(api, customerId=shop.customers["S2"], title="S2 deal", amount="1"))[
        "opportunity"]
    s1 = (await create_opportunity(api, customerId=shop.customers["S1"], title="S1 deal", amount="1",
                                   ownerId=shop.s1_id))["opportunity"]
    # when
    listed = (await api.ok(LIST, token=shop.s1_token))["opportunities"]
    seen = (await api.ok(NODE, {"id": s2["id"]}, token=shop.s1_token))["node"]
    moved = (await api.ok(MOVE, {"id": s2["id"], "stage": stages["Qualified"]}, token=shop.s1_token))
    foreign_customer = await create_opportunity(
        api, token=shop.s1_token, customerId=shop.customers["S2"], title="X", amount="1"
    )
    # then
    assert [e["node"]["id"] for e in listed["edges"]] == [s1["id"]] and listed["totalCount"] == 1
    assert seen is None
    assert moved["moveOpportunityStage"]["errors"][0]["code"] == "NOT_FOUND"
    assert foreign_customer["errors"][0] == {
        "field": ["customerId"], "code": "NOT_FOUND", "message": "customer not found"}
    by_node = (await api.ok(LIST, {"node": shop.node("R1"), "owner": shop.s1_id}))["opportunities"]
    assert by_node["totalCount"] == 1


async def test_concurrent_moves_keep_a_consistent_history(api: Api, shop: Shop) -> None:
    # given
    stages = await _stages(api)
    opp = (await create_opportunity(api, customerId=shop.customers["S1"], title="D", amount="1"))["opportunity"]
    # when
    results = await asyncio.gather(*(
        api.ok(MOVE, {"id": opp["id"], "stage": stages[name]})
        for name in ("Qualified", "Proposal", "Qualified", "Proposal")
    ))
    # then: every change starts where the previous one ended; refused ones are CONFLICTs
    for r in results:
        assert all(e["code"] == "CONFLICT" for e in r["moveOpportunityStage"]["errors"])
    final = (await api.ok(MOVE, {"id": opp["id"], "stage": stages["Lead"]}))["moveOpportunityStage"]
    history = final["opportunity"]["stageHistory"]
    for before, after in zip(history, history[1:], strict=False):
        assert after["from"]["name"] == before["to"]["name"]
    assert history[-1]["to"]["name"] == final["opportunity"]["stage"]["name"] == "Lead"


async def test_listing_costs_the_same_statements_at_two_page_sizes(api: Api, shop: Shop) -> None:
    for i in range(6):
        await create_opportunity(api, customerId=shop.customers["S1" if i % 2 else "S3"],
                                 title=f"D{i}", amount="1", ownerId=shop.sales_id)
    small = await api.statements(LIST, {"first": 2})
    large = await api.statements(LIST, {"first": 6})
    assert small == large
    assert (await api.ok(LIST, {"status": ["WON", "LOST"]}))["opportunities"]["totalCount"] == 0
    assert (await api.ok(LIST, {"status": ["OPEN"]}))["opportunities"]["totalCount"] == 6


async def test_timeline_source_gives_the_customers_opportunities_in_scope(api: Api, shop: Shop) -> None:
    # given
    first = (await create_opportunity(api, customerId=shop.customers["S1"], title="A", amount="1"))["opportunity"]
    second = (await create_opportunity(api, customerId=shop.customers["S1"], title="B", amount="1",
                                       storeId=shop.node("S2")))["opportunity"]
    await create_opportunity(api, customerId=shop.customers["S2"], title="C", amount="1")
    customer = decode_id(shop.customers["S1"], "Customer")
    admin = Viewer(staff_id=0, tenant_id=shop.tenant.id, role=Role.ADMIN, scope_node_id=0, scope_path="/")
    at_s1 = replace(admin, scope_path=await _path(api, shop, "S1"))
    # when
    async with api.db.session(tenant_id=shop.tenant.id) as session:
        everything = (await session.execute(opportunity_timeline_source(admin, [customer]))).all()
        in_s1 = (await session.execute(opportunity_timeline_source(at_s1, [customer]))).all()
    # then
    assert sorted(to_global_id("Opportunity", row.id) for row in everything) == sorted([first["id"], second["id"]])
    assert [to_global_id("Opportunity", row.id) for row in in_s1] == [first["id"]]
    assert {row.customer_id for row in everything} == {customer}


async def _path(api: Api, shop: Shop, code: str) -> str:
    async with api.db.session(tenant_id=shop.tenant.id) as session:
        node = await session.get(TierNode, (shop.tenant.id, shop.nodes[code]))
        assert node is not None
        return node.path


SET_RATE = """
mutation($date: String!) {
  setExchangeRate(input: {currency: "USD", date: $date, rate: "0.9"}) { errors { field code } }
}"""


async def test_amount_in_another_currency_is_converted_at_todays_rate(api: Api, shop: Shop) -> None:
    # given
    today = datetime.now(UTC).date().isoformat()
    assert (await api.ok(SET_RATE, {"date": today}))["setExchangeRate"]["errors"] == []
    # when
    opp = (await create_opportunity(api, customerId=shop.customers["S1"], title="US deal", amount="1000.01",
                                    currency="usd"))["opportunity"]
    # then: 1000.01 x 0.9 = 900.009, half up to the cent
    assert opp["amount"] == {"amount": "1000.01", "currency": "USD"}
    assert opp["amountReporting"] == {"amount": "900.01", "currency": "EUR"}


EVENTS = """
{ events(types: [OPPORTUNITY_CREATED, OPPORTUNITY_STAGE_CHANGED, OPPORTUNITY_WON, OPPORTUNITY_LOST]) {
    edges { node { type node { code } subject { id } } } } }"""


async def test_opportunity_events_are_in_the_event_log(api: Api, shop: Shop) -> None:
    # given
    stages = await _stages(api)
    opp = (await create_opportunity(api, customerId=shop.customers["S1"], title="D", amount="1"))["opportunity"]
    await api.ok(MOVE, {"id": opp["id"], "stage": stages["Qualified"]})
    await api.ok(LOSE, {"id": opp["id"], "reason": "budget"})
    # when
    edges = (await api.ok(EVENTS))["events"]["edges"]
    # then
    assert [(e["node"]["type"], e["node"]["node"]["code"], e["node"]["subject"]["id"]) for e in edges] == [
        ("OPPORTUNITY_CREATED", "S1", opp["id"]), ("OPPORTUNITY_STAGE_CHANGED", "S1", opp["id"]),
        ("OPPORTUNITY_LOST", "S1", opp["id"]),
    ]
