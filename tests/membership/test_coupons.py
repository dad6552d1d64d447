"""issueCoupon and the redemption orders perform through resolvers/loyalty.redeem_coupon."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from db.base import utcnow
from db.models.core import AuditEntry, Event
from db.models.membership import Coupon, CouponStatus
from resolvers.common.errors import DomainError
from resolvers.membership import loyalty
from resolvers.membership.coupons import ALPHABET, normalise_code
from tests.membership.conftest import Shop, gid

ISSUE = """
mutation($input: IssueCouponInput!) {
  issueCoupon(input: $input) {
    coupon { id code status amountOff { amount currency } percentOff expiresAt minimumTotal { amount } node { code } }
    errors { field code message }
  }
}"""

COUPONS = """
query($id: ID!, $status: [CouponStatus!]) { node(id: $id) { ... on Membership { coupons(status: $status) { code status } } } }"""


async def issue(shop: Shop, membership: str, **kw: object) -> dict:
    data = await shop.api.ok(ISSUE, {"input": {"membershipId": membership, **kw}})
    return data["issueCoupon"]


async def redeem(shop: Shop, code: str, subtotal: int = 10_000, **order: object) -> int:
    async with shop.tx() as s:
        return await loyalty.redeem_coupon(s, shop.viewer, code=code, order=shop.order(subtotal, **order),
                                           subtotal_minor=subtotal)


async def redeem_error(shop: Shop, code: str, subtotal: int = 10_000, **order: object) -> tuple[str, tuple[str, ...] | None]:
    with pytest.raises(DomainError) as err:
        await redeem(shop, code, subtotal, **order)
    problem = err.value.problems[0]
    return problem.code.value, problem.field


async def test_issue_amount_and_percent_coupons(shop: Shop) -> None:
    membership = await shop.enroll()
    expires = (utcnow() + timedelta(days=30)).isoformat()
    # when
    amount = await issue(shop, membership, amountOff="5.50", expiresAt=expires, minimumTotal="20")
    percent = await issue(shop, membership, percentOff="12.5", nodeId=gid("TierNode", shop.region.id))
    # then
    coupon = amount["coupon"]
    assert re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", coupon["code"])
    assert coupon["amountOff"] == {"amount": "5.50", "currency": "EUR"}
    assert coupon["minimumTotal"] == {"amount": "20.00"} and coupon["status"] == "ISSUED"
    assert percent["coupon"]["percentOff"] == "12.5" and percent["coupon"]["node"] == {"code": "EU"}
    assert coupon["code"] != percent["coupon"]["code"]
    listed = await shop.api.ok(COUPONS, {"id": membership})
    assert {c["code"] for c in listed["node"]["coupons"]} == {coupon["code"], percent["coupon"]["code"]}
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        events = (await session.scalars(select(Event).where(Event.type == "COUPON_ISSUED"))).all()
        audits = (await session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "Coupon"))).all()
    # codes are bearer secrets: neither the event log nor the audit trail holds them
    assert len(events) == 2 and all("code" not in e.data for e in events)
    assert [a.changes["code"] for a in audits] == [[None, "***"], [None, "***"]]


async def test_issue_bad_input(shop: Shop) -> None:
    membership = await shop.enroll()
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    cases = [
        ({}, "amountOff", "INVALID"),
        ({"amountOff": "5", "percentOff": "5"}, "amountOff", "INVALID"),
        ({"amountOff": "0"}, "amountOff", "INVALID"),
        ({"amountOff": "-1"}, "amountOff", "INVALID"),
        ({"amountOff": "1.005"}, "amountOff", "INVALID"),
        ({"amountOff": "1e15"}, "amountOff", "INVALID"),
        ({"percentOff": "10.12345"}, "percentOff", "INVALID"),
        ({"percentOff": "0"}, "percentOff", "INVALID"),
        ({"percentOff": "100.1"}, "percentOff", "INVALID"),
        ({"percentOff": "10", "expiresAt": past}, "expiresAt", "INVALID"),
        ({"percentOff": "10", "minimumTotal": "-1"}, "minimumTotal", "INVALID"),
        ({"percentOff": "10", "nodeId": gid("TierNode", 1)}, "nodeId", "NOT_FOUND"),
    ]
    for kw, field, code in cases:
        result = await issue(shop, membership, **kw)
        assert result["coupon"] is None
        assert (result["errors"][0]["field"], result["errors"][0]["code"]) == ([field], code), kw
    assert (await issue(shop, gid("Membership", 1), percentOff="5"))["errors"][0]["code"] == "NOT_FOUND"
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        assert (await session.scalars(select(Coupon))).all() == []


async def test_redeem_once_ever(shop: Shop) -> None:
    # given
    membership = await shop.enroll()
    code = (await issue(shop, membership, amountOff="5.50"))["coupon"]["code"]
    # when: typed in lower case without dashes
    discount = await redeem(shop, code.replace("-", "").lower(), 10_000)
    # then
    assert discount == 550
    assert await redeem_error(shop, code) == ("CONFLICT", ("couponCode",))
    listed = await shop.api.ok(COUPONS, {"id": membership, "status": ["REDEEMED"]})
    assert listed["node"]["coupons"] == [{"code": code, "status": "REDEEMED"}]
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        coupon = await session.scalar(select(Coupon))
        event = await session.scalar(select(Event).where(Event.type == "COUPON_REDEEMED"))
    assert coupon.status == CouponStatus.REDEEMED and coupon.redeemed_order_id is not None
    assert event.data["discount"] == "5.50" and event.node_id == shop.store.id


async def test_discounts(shop: Shop) -> None:
    membership = await shop.enroll()
    percent = (await issue(shop, membership, percentOff="12.5"))["coupon"]["code"]
    assert await redeem(shop, percent, 1_999) == 250  # 249.875 rounds half up
    big = (await issue(shop, membership, amountOff="50"))["coupon"]["code"]
    assert await redeem(shop, big, 3_000) == 3_000  # never more than the subtotal


async def test_redeem_refusals_write_nothing(shop: Shop) -> None:
    # given
    membership = await shop.enroll(0)
    other_member = await shop.enroll(1)
    scoped = (await issue(shop, membership, percentOff="10", nodeId=gid("TierNode", shop.region.id)))["coupon"]["code"]
    minimum = (await issue(shop, membership, amountOff="5", minimumTotal="100"))["coupon"]["code"]
    theirs = (await issue(shop, other_member, amountOff="5"))["coupon"]["code"]
    expiring = (await issue(shop, membership, amountOff="5", expiresAt=(utcnow() + timedelta(days=1)).isoformat()))["coupon"]["code"]
    void = (await issue(shop, membership, amountOff="5"))["coupon"]["code"]
    async with shop.tx() as s:
        await s.execute(update(Coupon).where(Coupon.code == expiring).values(expires_at=utcnow() - timedelta(seconds=1)))
        await s.execute(update(Coupon).where(Coupon.code == void).values(status=CouponStatus.VOID))
    # when / then
    assert await redeem_error(shop, "NOPE-NOPE-NOPE") == ("NOT_FOUND", ("couponCode",))
    assert await redeem_error(shop, theirs) == ("NOT_FOUND", ("couponCode",))
    assert await redeem_error(shop, scoped, store_id=shop.other_store.id) == ("INVALID", ("couponCode",))
    assert await redeem_error(shop, minimum, 9_999) == ("INVALID", ("couponCode",))
    assert await redeem_error(shop, minimum, 10_000, currency="USD") == ("INVALID", ("couponCode",))
    assert await redeem_error(shop, expiring) == ("EXPIRED", ("couponCode",))
    assert await redeem_error(shop, void) == ("ILLEGAL_TRANSITION", ("couponCode",))
    statuses = await shop.api.ok(COUPONS, {"id": membership, "status": ["ISSUED"]})
    assert {c["code"] for c in statuses["node"]["coupons"]} == {scoped, minimum}
    expired = await shop.api.ok(COUPONS, {"id": membership, "status": ["EXPIRED"]})
    assert expired["node"]["coupons"] == [{"code": expiring, "status": "EXPIRED"}]
    # the scoped coupon works inside its subtree, the minimum one at the minimum
    assert await redeem(shop, scoped, 1_000) == 100
    assert await redeem(shop, minimum, 10_000) == 500
    async with shop.api.db.session(tenant_id=shop.tenant.id) as session:
        redeemed = (await session.scalars(select(Coupon.code).where(Coupon.status == CouponStatus.REDEEMED))).all()
    assert set(redeemed) == {scoped, minimum}
    assert normalise_code(" abcd efgh-ijkl ") == "ABCD-EFGH-IJKL"
