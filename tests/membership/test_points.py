"""adjustPoints and redeemPoints: the ledger, idempotency keys, bad input, invariants."""

from __future__ import annotations

from sqlalchemy import select

from db.models.core import AuditEntry, Event, Role
from db.models.membership import Membership
from resolvers.membership import loyalty
from tests.membership.conftest import Shop, assert_ledger_consistent, gid, ledger_rows, pk

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    membership { pointsBalance } pointsEntry { id delta balanceAfter reason note }
    errors { field code message }
  }
}"""

REDEEM = """
mutation($input: RedeemPointsInput!) {
  redeemPoints(input: $input) {
    membership { pointsBalance } pointsEntry { id delta balanceAfter reason note }
    errors { field code message }
  }
}"""

LEDGER = """
query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Membership {
  pointsBalance
  pointsLedger(first: $first, after: $after) {
    totalCount edges { node { delta balanceAfter reason note } } pageInfo { hasNextPage endCursor }
  }
} } }"""


async def adjust(shop: Shop, membership: str, delta: int, **kw: object) -> dict:
    data = await shop.api.ok(ADJUST, {"input": {"membershipId": membership, "delta": delta, "reason": "goodwill", **kw}})
    return data["adjustPoints"]


async def redeem(shop: Shop, membership: str, points: int, token: str | None = "default", **kw: object) -> dict:
    data = await shop.api.ok(REDEEM, {"input": {"membershipId": membership, "points": points, **kw}}, token=token)
    return data["redeemPoints"]


async def test_adjust_and_redeem_move_the_balance_and_write_the_ledger(shop: Shop) -> None:
    # given
    membership = await shop.enroll()
    # when
    added = await adjust(shop, membership, 300)
    spent = await redeem(shop, membership, 120, note="gift card")
    taken = await adjust(shop, membership, -30)
    # then
    assert added["pointsEntry"] | {"id": None} == {"id": None, "delta": 300, "balanceAfter": 300, "reason": "ADJUST", "note": "goodwill"}
    assert spent["pointsEntry"]["balanceAfter"] == 180 and spent["pointsEntry"]["reason"] == "REDEEM"
    assert taken["membership"]["pointsBalance"] == 150
    page = (await shop.api.ok(LEDGER, {"id": membership, "first": 2}))["node"]
    assert page["pointsBalance"] == 150
    assert page["pointsLedger"]["totalCount"] == 3
    assert [e["node"]["delta"] for e in page["pointsLedger"]["edges"]] == [-30, -120]
    rest = (await shop.api.ok(LEDGER, {"id": membership, "first": 2, "after": page["pointsLedger"]["pageInfo"]["endCursor"]}))["node"]
    assert [e["node"]["delta"] for e in rest["pointsLedger"]["edges"]] == [300]
    assert rest["pointsLedger"]["pageInfo"]["hasNextPage"] is False
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_balance_changes_are_audited_and_emit_events(shop: Shop) -> None:
    membership = await shop.enroll()
    await adjust(shop, membership, 40)
    await redeem(shop, membership, 15)
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        audits = (await session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "Membership", AuditEntry.entity_id == pk(membership))
            .order_by(AuditEntry.at)
        )).all()
        events = (await session.scalars(select(Event).where(Event.type == "POINTS_CHANGED").order_by(Event.seq))).all()
    balance_changes = [a.changes["points_balance"] for a in audits if "points_balance" in a.changes]
    assert [0, 40] in balance_changes and [40, 25] in balance_changes
    assert [a.operation for a in audits if "points_balance" in a.changes][-1] == "redeemPoints"
    assert [(e.data["delta"], e.data["balance"], e.data["reason"]) for e in events] == [(40, 40, "ADJUST"), (-15, 25, "REDEEM")]
    assert events[0].node_id == shop.store.id


async def test_insufficient_points_changes_nothing(shop: Shop) -> None:
    # given
    membership = await shop.enroll()
    await adjust(shop, membership, 50)
    before = await ledger_rows(shop.api, shop.tenant.id)
    # when
    result = await redeem(shop, membership, 51)
    # then
    assert result["membership"] is None
    assert result["errors"] == [{"field": ["points"], "code": "INSUFFICIENT_POINTS", "message": "the balance does not cover 51 points"}]
    negative = await adjust(shop, membership, -51)
    assert negative["errors"][0]["code"] == "INSUFFICIENT_POINTS" and negative["errors"][0]["field"] == ["delta"]
    assert await ledger_rows(shop.api, shop.tenant.id) == before
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        assert (await session.get(Membership, (shop.tenant.id, pk(membership)))).points_balance == 50


async def test_bad_input(shop: Shop) -> None:
    membership = await shop.enroll()
    await adjust(shop, membership, 10)
    before = await ledger_rows(shop.api, shop.tenant.id)
    assert (await redeem(shop, membership, 0))["errors"][0] | {"message": ""} == {"field": ["points"], "code": "INVALID", "message": ""}
    assert (await redeem(shop, membership, -5))["errors"][0]["code"] == "INVALID"
    assert (await adjust(shop, membership, 0))["errors"][0]["field"] == ["delta"]
    blank = await shop.api.ok(ADJUST, {"input": {"membershipId": membership, "delta": 5, "reason": "  "}})
    assert blank["adjustPoints"]["errors"][0]["field"] == ["reason"]
    assert (await redeem(shop, membership, 1, note="n" * 501))["errors"][0]["field"] == ["note"]
    for unknown in (gid("Membership", 1), "garbage", shop.program_id):
        assert (await redeem(shop, unknown, 1))["errors"][0]["code"] == "NOT_FOUND"
    assert await ledger_rows(shop.api, shop.tenant.id) == before


async def test_roles_and_scope(shop: Shop) -> None:
    membership = await shop.enroll()
    await adjust(shop, membership, 10)
    sales = await shop.api.make_staff(shop.tenant, role=Role.SALES, scope_node_id=shop.region.id)
    data = await shop.api.ok(ADJUST, {"input": {"membershipId": membership, "delta": 5, "reason": "x"}}, token=sales)
    assert data["adjustPoints"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await redeem(shop, membership, 5, token=sales))["membership"]["pointsBalance"] == 5
    outsider = await shop.api.make_staff(shop.tenant, role=Role.MANAGER, scope_node_id=shop.other_store.id)
    assert (await redeem(shop, membership, 1, token=outsider))["errors"][0]["code"] == "NOT_FOUND"
    seen = await shop.api.ok(LEDGER, {"id": membership}, token=outsider)
    assert seen["node"] is None
    other = await shop.api.make_tenant("other")
    assert (await redeem(shop, membership, 1, token=other.token))["errors"][0]["code"] == "NOT_FOUND"


async def test_idempotency_key_replays_the_first_result(shop: Shop) -> None:
    # given
    membership = await shop.enroll()
    await adjust(shop, membership, 100, idempotencyKey="grant-1")
    again = await adjust(shop, membership, 100, idempotencyKey="grant-1")
    assert again["membership"]["pointsBalance"] == 100
    first = await redeem(shop, membership, 30, idempotencyKey="r-1")
    before = await ledger_rows(shop.api, shop.tenant.id)
    # when
    replay = await redeem(shop, membership, 30, idempotencyKey="r-1")
    # then
    assert replay["pointsEntry"] == first["pointsEntry"]
    assert replay["membership"]["pointsBalance"] == 70
    assert await ledger_rows(shop.api, shop.tenant.id) == before
    conflict = await redeem(shop, membership, 31, idempotencyKey="r-1")
    assert conflict["errors"][0]["code"] == "CONFLICT" and conflict["errors"][0]["field"] == ["idempotencyKey"]
    # a key is per operation, and a failed attempt leaves the key free
    failed = await redeem(shop, membership, 1000, idempotencyKey="r-2")
    assert failed["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert (await redeem(shop, membership, 10, idempotencyKey="r-2"))["membership"]["pointsBalance"] == 60
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_ledger_rows_are_never_updated(shop: Shop) -> None:
    # given: a history
    membership = await shop.enroll()
    await adjust(shop, membership, 100)
    await redeem(shop, membership, 60)
    await adjust(shop, membership, 25)
    before = await ledger_rows(shop.api, shop.tenant.id)
    # when: more of every kind of change, consuming the earlier lots
    await redeem(shop, membership, 50)
    await adjust(shop, membership, -10)
    await redeem(shop, membership, 999)
    # then
    after = await ledger_rows(shop.api, shop.tenant.id)
    assert {k: after[k] for k in before} == before
    assert len(after) == len(before) + 2
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_ledger_loading_does_not_grow_with_members(shop: Shop) -> None:
    # given
    members = [await shop.enroll(i) for i in range(3)]
    for m in members:
        await adjust(shop, m, 10)
        await redeem(shop, m, 3)
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Membership {
      pointsBalance tier { name } program { tiers { name } } customer { name }
      tierHistory { from { name } to { name } } coupons { code }
      pointsLedger(first: 5) { totalCount edges { node { delta } } }
    } } }"""
    # when
    one = await shop.api.statements(query, {"ids": members[:1]})
    three = await shop.api.statements(query, {"ids": members})
    bigger_pages = await shop.api.statements(query.replace("first: 5", "first: 100"), {"ids": members})
    # then
    assert one == three == bigger_pages


async def test_a_balance_never_passes_what_graphql_int_reads_back(shop: Shop) -> None:
    # given: a balance one point below the cap
    membership = await shop.enroll()
    near = await adjust(shop, membership, 2**31 - 2)
    assert near["errors"] == [] and near["membership"]["pointsBalance"] == 2**31 - 2
    rows = await ledger_rows(shop.api, shop.tenant.id)
    # when: two more points, then the whole of Int's range
    over = await adjust(shop, membership, 2)
    far = await adjust(shop, membership, 2**31 - 1)
    # then: a field error on the amount, nothing written, the balance still readable
    for refused in (over, far):
        assert refused["pointsEntry"] is None and [(e["field"], e["code"]) for e in refused["errors"]] == [
            (["delta"], "INVALID")], refused
    assert await ledger_rows(shop.api, shop.tenant.id) == rows
    # and: up to the cap exactly still works, and reads back
    full = await adjust(shop, membership, 1)
    assert full["errors"] == [] and full["membership"]["pointsBalance"] == 2**31 - 1
    assert (await shop.api.ok(LEDGER, {"id": membership, "first": 1}))["node"]["pointsBalance"] == 2**31 - 1
    # and: a paid order at the cap earns nothing rather than failing the payment
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(10**15)) == 0
    assert (await shop.api.ok(LEDGER, {"id": membership, "first": 1}))["node"]["pointsBalance"] == 2**31 - 1
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_a_huge_order_earns_up_to_the_cap_and_the_balance_reads_back(shop: Shop) -> None:
    membership = await shop.enroll()
    # when: an order worth 10^15 points, more than BIGINT once multiplied by the largest rate
    async with shop.tx() as s:
        earned = await loyalty.earn_for_order(s, shop.viewer, shop.order(10**17))
    # then: capped at GraphQL's Int, stored and readable, qualifying points too
    assert earned == 2**31 - 1
    node = (await shop.api.ok(
        "query($id: ID!) { node(id: $id) { ... on Membership { pointsBalance qualifyingPoints tier { name } } } }",
        {"id": membership}))["node"]
    assert node == {"pointsBalance": 2**31 - 1, "qualifyingPoints": 2**31 - 1, "tier": {"name": "Gold"}}
    await assert_ledger_consistent(shop.api, shop.tenant.id)
