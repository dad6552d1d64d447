"""Earning on paid orders, reversing on refunds, and the tier changes they cause."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models.core import Event
from db.models.membership import PointsEntry
from resolvers.common.errors import DomainError
from resolvers.membership import loyalty
from resolvers.membership.programs import redeem_points
from tests.membership.conftest import (
    Shop,
    add_customers,
    assert_ledger_consistent,
    create_program,
    gid,
    ledger_rows,
    pk,
    set_program,
)

MEMBER = """
query($id: ID!) { node(id: $id) { ... on Membership {
  pointsBalance qualifyingPoints tier { name }
  tierHistory { from { name } to { name } reason }
  pointsLedger(first: 1) { edges { node { delta reason note } } }
} } }"""


async def member(shop: Shop, membership: str) -> dict:
    return (await shop.api.ok(MEMBER, {"id": membership}))["node"]


async def test_earn_upgrade_refund_downgrade(shop: Shop) -> None:
    # given: Bronze 0, Silver 100, Gold 500; 1 point per EUR
    membership = await shop.enroll()
    big, small = shop.order(60_099), shop.order(5_000)
    # when: a purchase of 600.99 EUR
    async with shop.tx() as s:
        earned = await loyalty.earn_for_order(s, shop.viewer, big)
    # then: 600 points, straight to the highest tier reached
    assert earned == 600
    state = await member(shop, membership)
    assert (state["pointsBalance"], state["qualifyingPoints"], state["tier"]["name"]) == (600, 600, "Gold")
    # when: another purchase, then the big one is refunded
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, small) == 50
    async with shop.tx() as s:
        assert await loyalty.reverse_for_order(s, shop.viewer, big) == 600
    # then: 50 qualifying points reach only Bronze, but a downgrade is one step at a time
    state = await member(shop, membership)
    assert (state["pointsBalance"], state["qualifyingPoints"], state["tier"]["name"]) == (50, 50, "Silver")
    assert state["pointsLedger"]["edges"][0]["node"] == {"delta": -600, "reason": "REFUND", "note": f"refund of order {big.id}"}
    # when: the next evaluation (a refund of the small order)
    async with shop.tx() as s:
        assert await loyalty.reverse_for_order(s, shop.viewer, small) == 50
    # then
    state = await member(shop, membership)
    assert (state["pointsBalance"], state["qualifyingPoints"], state["tier"]["name"]) == (0, 0, "Bronze")
    assert [(h["from"] and h["from"]["name"], h["to"]["name"]) for h in state["tierHistory"]] == [
        (None, "Bronze"), ("Bronze", "Gold"), ("Gold", "Silver"), ("Silver", "Bronze"),
    ]
    assert state["tierHistory"][1]["reason"] == "upgrade after a purchase: 600 qualifying points"
    assert state["tierHistory"][2]["reason"] == "downgrade after a refund: 50 qualifying points"
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        tier_events = (await session.scalars(select(Event).where(Event.type == "TIER_CHANGED").order_by(Event.seq))).all()
    assert [e.data["to"] for e in tier_events] == ["Bronze", "Gold", "Silver", "Bronze"]
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_refund_after_spending_reverses_what_is_left(shop: Shop) -> None:
    # given: 200 earned, 170 spent
    membership = await shop.enroll()
    order = shop.order(20_000)
    async with shop.tx() as s:
        await loyalty.earn_for_order(s, shop.viewer, order)
    async with shop.tx() as s:
        await redeem_points(s, shop.viewer, membership_id=pk(membership), points=170)
    # when
    async with shop.tx() as s:
        reversed_points = await loyalty.reverse_for_order(s, shop.viewer, order)
    # then: the balance stops at zero, the note tells the shortfall, qualifying loses all
    assert reversed_points == 30
    state = await member(shop, membership)
    assert (state["pointsBalance"], state["qualifyingPoints"], state["tier"]["name"]) == (0, 0, "Bronze")
    assert state["pointsLedger"]["edges"][0]["node"]["note"] == f"refund of order {order.id}; 170 points were already spent and stay spent"
    # and a second refund reverses nothing
    before = await ledger_rows(shop.api, shop.tenant.id)
    async with shop.tx() as s:
        assert await loyalty.reverse_for_order(s, shop.viewer, order) == 0
    assert await ledger_rows(shop.api, shop.tenant.id) == before
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_earning_is_once_per_order_and_only_for_members(shop: Shop) -> None:
    await shop.enroll(0)
    order = shop.order(12_345)
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, order) == 123
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, order) == 123
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(10_000, customer_index=1)) == 0
        assert await loyalty.reverse_for_order(s, shop.viewer, shop.order(10_000, customer_index=1)) == 0
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(99)) == 0  # 0.99 EUR: under one point
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        assert len((await session.scalars(select(PointsEntry))).all()) == 1
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_program_rate_and_store_program(shop: Shop) -> None:
    # given: the other store runs a JPY program at 0.5 points per yen
    yen = await create_program(shop.api, name="Yen", currency="JPY", pointsPerUnit="0.5")
    await set_program(shop.api, shop.tenant.id, shop.other_store, yen["id"])
    [customer] = await add_customers(shop.api, shop.tenant.id, shop.other_store, 1)
    shop.customers.append(customer)
    await shop.api.ok("mutation($c: ID!) { enrollMember(input: {customerId: $c}) { errors { code } } }",
                      {"c": gid("Customer", customer)})
    # when / then: JPY has no minor units; 1,001 yen earn 500 points
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(1001, customer_index=3, currency="JPY", store_id=shop.other_store.id)) == 500
    # an order in another currency than the program's converts through the rates of its day
    with pytest.raises(DomainError) as err:
        async with shop.tx() as s:
            await loyalty.earn_for_order(s, shop.viewer, shop.order(1000, customer_index=3, currency="EUR", store_id=shop.other_store.id))
    assert err.value.problems[0].field == ("currency",)  # no JPY rate yet
    await shop.api.ok('mutation { setExchangeRate(input: {currency: "JPY", date: "2020-01-01", rate: "0.0061"}) { errors { code } } }')
    async with shop.tx() as s:
        # 10.00 EUR = 1,639.34 JPY at 0.5 points per yen
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(1000, customer_index=3, currency="EUR", store_id=shop.other_store.id)) == 819
    await assert_ledger_consistent(shop.api, shop.tenant.id)
