"""Forecast numbers on a hand-built set, exact to the cent; scope; bounded statements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from db.models.pipeline import Opportunity
from schema.relay import decode_id
from tests.conftest import Api
from tests.pipeline.conftest import Shop, create_opportunity

FORECAST = """
query($node: ID, $from: Date, $to: Date) {
  reports { forecast(nodeId: $node, from: $from, to: $to) {
    node { code } from to count
    openAmount { amount currency } weightedAmount { amount }
    byStage { stage { name } count openAmount { amount } weightedAmount { amount } }
    byNode { node { code } count openAmount { amount } weightedAmount { amount } }
    byOwner { owner { id } count openAmount { amount } weightedAmount { amount } }
    wonCount lostCount wonAmount { amount } winRate averageCycleDays
  } }
}"""

PERIOD = {"from": "2099-12-01", "to": "2099-12-31"}
STAGES = "{ pipelines { stages { id name } } }"
MOVE = "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s}) { errors { code } } }"
WIN = "mutation($id: ID!) { winOpportunity(input: {id: $id}) { errors { code } } }"
LOSE = "mutation($id: ID!) { loseOpportunity(input: {id: $id, reason: \"price\"}) { errors { code } } }"


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)


async def _opportunity(
    api: Api, shop: Shop, stages: dict[str, str], *, customer: str, amount: str, stage: str,
    owner: str, close: str, store: str | None = None,
) -> str:
    fields: dict[str, Any] = {"customerId": shop.customers[customer], "title": f"{customer} {amount}",
                              "amount": amount, "expectedCloseDate": close, "ownerId": owner}
    if store:
        fields["storeId"] = shop.node(store)
    opp_id = (await create_opportunity(api, **fields))["opportunity"]["id"]
    if stage != "Lead":
        assert (await api.ok(MOVE, {"id": opp_id, "s": stages[stage]}))["moveOpportunityStage"]["errors"] == []
    return opp_id


async def _closed(api: Api, shop: Shop, stages: dict[str, str], *, customer: str, amount: str,
                  won: bool, created: str, closed: str) -> None:
    opp_id = await _opportunity(api, shop, stages, customer=customer, amount=amount, stage="Lead",
                                owner=shop.admin_id, close=closed)
    assert not (await api.ok(WIN if won else LOSE, {"id": opp_id})).get("errors")
    async with api.db.transaction(tenant_id=shop.tenant.id) as session:
        await session.execute(
            update(Opportunity).where(Opportunity.id == decode_id(opp_id, "Opportunity"))
            .values(created_at=_at(created), closed_at=_at(closed))
        )


@pytest.fixture
async def book(api: Api, shop: Shop) -> Shop:
    """Open deals in December 2099 (one outside), two won and one lost in it, one lost before."""
    stages = {s["name"]: s["id"] for s in (await api.ok(STAGES))["pipelines"][0]["stages"]}
    admin, sales = shop.admin_id, shop.sales_id
    for customer, amount, stage, owner, close, store in (
        ("S1", "1000.00", "Lead", admin, "2099-12-10", None),
        ("S1", "2500.50", "Proposal", sales, "2099-12-20", None),
        ("S2", "333.33", "Qualified", admin, "2099-12-05", None),
        ("S3", "99.99", "Lead", sales, "2099-12-31", None),
        ("S2", "10.00", "Proposal", admin, "2099-12-15", "R1"),  # sits on the region itself
        ("S3", "500.00", "Qualified", admin, "2100-02-01", None),  # closes after the period
    ):
        await _opportunity(api, shop, stages, customer=customer, amount=amount, stage=stage,
                           owner=owner, close=close, store=store)
    await _closed(api, shop, stages, customer="S2", amount="700.00", won=True,
                  created="2099-11-01", closed="2099-12-11")  # 40 days
    await _closed(api, shop, stages, customer="S3", amount="300.00", won=True,
                  created="2099-12-01", closed="2099-12-03")  # 2 days
    await _closed(api, shop, stages, customer="S1", amount="50.00", won=False,
                  created="2099-11-20", closed="2099-12-05")  # 15 days
    await _closed(api, shop, stages, customer="S1", amount="80.00", won=False,
                  created="2099-11-01", closed="2099-11-15")  # before the period
    return shop


async def test_forecast_over_the_whole_tree_is_exact(api: Api, book: Shop) -> None:
    # when
    f = (await api.ok(FORECAST, PERIOD))["reports"]["forecast"]
    # then
    assert f["node"] == {"code": "HQ"} and (f["from"], f["to"]) == ("2099-12-01", "2099-12-31")
    assert f["count"] == 5
    assert f["openAmount"] == {"amount": "3943.82", "currency": "EUR"}
    # 100 + 1500.30 + 99.999 + 9.999 + 6 = 1716.298
    assert f["weightedAmount"] == {"amount": "1716.30"}
    assert {(s["stage"]["name"], s["count"], s["openAmount"]["amount"], s["weightedAmount"]["amount"])
            for s in f["byStage"]} == {
        ("Lead", 2, "1099.99", "110.00"), ("Qualified", 1, "333.33", "100.00"),
        ("Proposal", 2, "2510.50", "1506.30"),
    }
    assert [(n["node"]["code"], n["count"], n["openAmount"]["amount"], n["weightedAmount"]["amount"])
            for n in f["byNode"]] == [("R1", 4, "3843.83", "1706.30"), ("R2", 1, "99.99", "10.00")]
    assert {(o["owner"]["id"], o["count"], o["openAmount"]["amount"], o["weightedAmount"]["amount"])
            for o in f["byOwner"]} == {
        (book.admin_id, 3, "1343.33", "206.00"), (book.sales_id, 2, "2600.49", "1510.30"),
    }
    assert (f["wonCount"], f["lostCount"], f["wonAmount"]["amount"]) == (2, 1, "1000.00")
    assert f["winRate"] == "0.6667"
    assert f["averageCycleDays"] == "19.00"  # (40 + 2 + 15) / 3


async def test_forecast_of_a_region_splits_by_store_and_keeps_its_own_line(api: Api, book: Shop) -> None:
    f = (await api.ok(FORECAST, {**PERIOD, "node": book.node("R1")}))["reports"]["forecast"]
    assert [(n["node"]["code"], n["count"], n["openAmount"]["amount"], n["weightedAmount"]["amount"])
            for n in f["byNode"]] == [
        ("S1", 2, "3500.50", "1600.30"), ("S2", 1, "333.33", "100.00"), ("R1", 1, "10.00", "6.00"),
    ]
    # closed in the period under R1: won in S2 (40 days), lost in S1 (15 days)
    assert (f["wonCount"], f["lostCount"], f["winRate"], f["averageCycleDays"]) == (1, 1, "0.5000", "27.50")


async def test_without_a_period_everything_counts(api: Api, book: Shop) -> None:
    f = (await api.ok(FORECAST))["reports"]["forecast"]
    assert (f["count"], f["openAmount"]["amount"]) == (6, "4443.82")
    assert (f["wonCount"], f["lostCount"], f["winRate"]) == (2, 2, "0.5000")


async def test_forecast_is_scoped_to_the_viewer(api: Api, book: Shop) -> None:
    # when
    own = (await api.ok(FORECAST, PERIOD, token=book.s1_token))["reports"]["forecast"]
    outside = await api.post(FORECAST, {**PERIOD, "node": book.node("R2")}, token=book.s1_token)
    # then: S1 holds 1000.00 (Lead) and 2500.50 (Proposal)
    assert own["node"] == {"code": "S1"}
    assert (own["count"], own["openAmount"]["amount"], own["weightedAmount"]["amount"]) == (
        2, "3500.50", "1600.30")
    assert [n["node"]["code"] for n in own["byNode"]] == ["S1"]
    assert outside["data"] is None
    assert outside["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_forecast_runs_a_bounded_number_of_statements(api: Api, book: Shop) -> None:
    # given: more stores with deals add groups but no statements
    statements = await api.statements(FORECAST, PERIOD)
    stages = {s["name"]: s["id"] for s in (await api.ok(STAGES))["pipelines"][0]["stages"]}
    for store in ("S1", "S2", "S3"):
        await _opportunity(api, book, stages, customer=store, amount="1.00", stage="Qualified",
                           owner=book.sales_id, close="2099-12-02")
    # then
    assert await api.statements(FORECAST, PERIOD) == statements
    assert statements <= 9  # auth, root node, 3 open groupings, closed, nodes, stages, staff
