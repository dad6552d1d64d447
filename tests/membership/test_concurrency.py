"""No double spend: concurrent coupon redemptions and point redemptions, on both backends."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from db.models.membership import Coupon, CouponStatus, Membership, PointsEntry
from resolvers.common.errors import DomainError
from resolvers.membership import loyalty
from tests.membership.conftest import ENROLL, Shop, assert_ledger_consistent, gid, pk
from tests.membership.test_coupons import issue
from tests.membership.test_points import ADJUST, REDEEM


async def test_fifty_concurrent_redemptions_of_one_coupon(shop: Shop) -> None:
    # given
    membership = await shop.enroll()
    code = (await issue(shop, membership, amountOff="5"))["coupon"]["code"]

    async def attempt(i: int) -> int:
        async with shop.tx() as s:
            return await loyalty.redeem_coupon(s, shop.viewer, code=code, order=shop.order(10_000), subtotal_minor=10_000)

    # when
    results = await asyncio.gather(*(attempt(i) for i in range(50)), return_exceptions=True)
    # then
    wins = [r for r in results if r == 500]
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1, results
    assert len(refusals) == 49, [r for r in results if not isinstance(r, DomainError | int)]
    assert {r.problems[0].code.value for r in refusals} == {"CONFLICT"}
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        coupon = await session.scalar(select(Coupon))
    assert coupon.status == CouponStatus.REDEEMED


async def test_hundred_concurrent_point_redemptions_spend_exactly_the_balance(shop: Shop) -> None:
    # given: a balance of 500
    membership = await shop.enroll()
    await shop.api.ok(ADJUST, {"input": {"membershipId": membership, "delta": 500, "reason": "seed"}})
    # when: 100 requests of 10 points at once
    bodies = await asyncio.gather(*(
        shop.api.post(REDEEM, {"input": {"membershipId": membership, "points": 10}}) for _ in range(100)
    ))
    # then
    assert all(not b.get("errors") for b in bodies), [b["errors"] for b in bodies if b.get("errors")][:3]
    payloads = [b["data"]["redeemPoints"] for b in bodies]
    succeeded = [p for p in payloads if p["membership"] is not None]
    refused = [p for p in payloads if p["errors"]]
    assert len(succeeded) == 50 and len(refused) == 50
    assert {p["errors"][0]["code"] for p in refused} == {"INSUFFICIENT_POINTS"}
    assert sorted(p["pointsEntry"]["balanceAfter"] for p in succeeded) == list(range(0, 500, 10))
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        balance = (await session.get(Membership, (shop.tenant.id, pk(membership)))).points_balance
        total = await session.scalar(select(func.sum(PointsEntry.delta)))
    assert balance == 0 == total
    await assert_ledger_consistent(shop.api, shop.tenant.id)


async def test_concurrent_enrolments_of_one_customer(shop: Shop) -> None:
    # when
    bodies = await asyncio.gather(*(
        shop.api.post(ENROLL, {"input": {"customerId": gid("Customer", shop.customers[0])}}) for _ in range(10)
    ))
    # then
    assert all(not b.get("errors") for b in bodies)
    payloads = [b["data"]["enrollMember"] for b in bodies]
    assert len([p for p in payloads if p["membership"]]) == 1
    assert {p["errors"][0]["code"] for p in payloads if p["errors"]} == {"CONFLICT"}
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1
