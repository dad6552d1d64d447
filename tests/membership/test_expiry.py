"""`canopy points expire`: FIFO expiry of earned points, lapsed coupons, the daily tier review."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cli.main import build_parser
from cli.points import run
from db.base import utcnow
from db.models.membership import Coupon, CouponStatus, Membership, PointsEntry, PointsReason
from db.models.tree import TierNode
from resolvers.membership import ledger, loyalty
from tests.membership.conftest import (
    Shop,
    add_customers,
    assert_ledger_consistent,
    create_program,
    ledger_rows,
    pk,
    set_program,
)
from tests.membership.test_coupons import issue
from tests.membership.test_points import LEDGER, redeem
from tests.membership.test_tiers import member


async def credit(shop: Shop, membership: str, points: int, *, days_ago: int, expires_in: int) -> None:
    """An earlier purchase's points (backdated through the ledger's one entry point)."""
    now = utcnow()
    async with shop.tx() as s:
        row = await s.get(Membership, (shop.tenant.id, pk(membership)))
        await ledger.change_points(
            s, row, delta=points, reason=PointsReason.EARN, at=now - timedelta(days=days_ago),
            expires_at=now + timedelta(days=expires_in), qualifying_delta=points,
            qualifies_at=now - timedelta(days=days_ago),
        )


async def test_expiry_is_fifo_and_skips_what_was_redeemed(shop: Shop) -> None:
    # given: lot A (100, expires in 10 days), lot B (50, expires in 29 days); 120 redeemed
    membership = await shop.enroll()
    await credit(shop, membership, 100, days_ago=20, expires_in=10)
    await credit(shop, membership, 50, days_ago=1, expires_in=29)
    await redeem(shop, membership, 120)
    # when: A's expiry passes; the redemption consumed A first, so nothing is due
    first = await run(shop.api.db, utcnow() + timedelta(days=11))
    # then
    assert first["points"] == 0 and first["members"] == 0
    assert (await member(shop, membership))["pointsBalance"] == 30
    # when: B's expiry passes
    second = await run(shop.api.db, utcnow() + timedelta(days=30))
    # then: the 30 left of B expire, once
    assert (second["points"], second["members"]) == (30, 1)
    state = (await shop.api.ok(LEDGER, {"id": membership, "first": 1}))["node"]
    assert state["pointsBalance"] == 0
    assert state["pointsLedger"]["edges"][0]["node"] | {"note": ""} == {"delta": -30, "balanceAfter": 0, "reason": "EXPIRE", "note": ""}
    before = await ledger_rows(shop.api, shop.tenant.id)
    again = await run(shop.api.db, utcnow() + timedelta(days=30))
    assert again["points"] == 0
    assert await ledger_rows(shop.api, shop.tenant.id) == before
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_expiry_runs_across_tenants(shop: Shop) -> None:
    # given: a member with due points in each of two tenants
    membership = await shop.enroll()
    await credit(shop, membership, 40, days_ago=400, expires_in=-35)
    other = await shop.api.make_tenant("other")
    async with shop.api.db.session(tenant_id=other.id) as session:
        other_root = await session.get(TierNode, (other.id, other.root_id))
    shop.api.token = other.token
    program = await create_program(shop.api)
    await set_program(shop.api, other.id, other_root, program["id"])
    [customer] = await add_customers(shop.api, other.id, other_root, 1)
    other_shop = Shop(shop.api, other, other_root, other_root, other_root, other_root, [customer], program["id"])
    other_membership = await other_shop.enroll()
    await credit(other_shop, other_membership, 25, days_ago=400, expires_in=-35)
    # when
    summary = await run(shop.api.db, utcnow())
    # then
    assert summary | {"tenants": 0, "tier_changes": 0} == {"tenants": 0, "members": 2, "points": 65, "coupons": 0, "tier_changes": 0}
    await assert_ledger_consistent(shop.api, shop.tenant.id)
    await assert_ledger_consistent(shop.api, other.id)


async def test_coupons_past_expiry_are_marked_expired(shop: Shop) -> None:
    membership = await shop.enroll()
    soon = (utcnow() + timedelta(days=2)).isoformat()
    await issue(shop, membership, amountOff="5", expiresAt=soon)
    await issue(shop, membership, amountOff="5")
    summary = await run(shop.api.db, utcnow() + timedelta(days=3))
    assert summary["coupons"] == 1
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        statuses = sorted((await session.scalars(select(Coupon.status))).all())
    assert statuses == [CouponStatus.EXPIRED, CouponStatus.ISSUED]
    assert (await run(shop.api.db, utcnow() + timedelta(days=3)))["coupons"] == 0


async def test_daily_review_downgrades_one_step_a_day(shop: Shop) -> None:
    # given: a Gold member whose purchases are about to leave the 12-month window
    membership = await shop.enroll()
    async with shop.tx() as s:
        await loyalty.earn_for_order(s, shop.viewer, shop.order(70_000))
    assert (await member(shop, membership))["tier"]["name"] == "Gold"
    # noon UTC: the review's days are UTC days, and "an hour later" must stay the same day
    later = (utcnow() + timedelta(days=370)).replace(hour=12, minute=0, second=0, microsecond=0)
    # when: the job runs twice the same day (the points have expired too)
    first = await run(shop.api.db, later)
    await run(shop.api.db, later + timedelta(hours=1))
    # then: one step down only
    state = await member(shop, membership)
    assert (state["tier"]["name"], state["qualifyingPoints"], state["pointsBalance"]) == ("Silver", 0, 0)
    assert first["points"] == 700 and first["tier_changes"] == 1
    # when: the next day
    await run(shop.api.db, later + timedelta(days=1))
    # then
    state = await member(shop, membership)
    assert state["tier"]["name"] == "Bronze"
    assert [h["to"]["name"] for h in state["tierHistory"]] == ["Bronze", "Gold", "Silver", "Bronze"]
    assert state["tierHistory"][2]["reason"] == "downgrade after expiry: 0 qualifying points"
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        reasons = (await session.scalars(select(PointsEntry.reason).order_by(PointsEntry.created_at))).all()
    assert reasons == [PointsReason.EARN, PointsReason.EXPIRE]


async def test_cli_parses_points_expire() -> None:
    args = build_parser().parse_args(["points", "expire", "--now", "2027-01-01T00:00:00+00:00"])
    assert args.now.year == 2027
