"""What orders ask of membership: earn on payment, reverse on refund, redeem coupons.

The orders service calls these inside its own unit of work; they never commit.
`order` needs: id, tenant_id, customer_id, store_id (its node), currency,
total_minor.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db import audit, outbox
from db.base import utcnow
from db.models.membership import (
    Coupon,
    CouponStatus,
    Membership,
    MembershipProgram,
    PointsEntry,
    PointsLot,
    PointsReason,
)
from db.models.tree import TierNode
from resolvers.common import money, rates
from resolvers.common.errors import DomainError, ErrorCode, not_found
from resolvers.common.viewer import Viewer
from resolvers.membership import coupons, ledger
from resolvers.membership.programs import effective_program_id, expiry_of


async def _membership_for_order(session: AsyncSession, order: Any) -> Membership | None:
    """The customer's membership in the program in force at the order's store."""
    store = await session.get(TierNode, (order.tenant_id, order.store_id))
    program_id = await effective_program_id(session, store) if store is not None else None
    if program_id is None:
        return None
    return await session.scalar(select(Membership).where(
        Membership.customer_id == order.customer_id, Membership.program_id == program_id
    ))


async def _in_program_currency(
    session: AsyncSession, viewer: Viewer, order: Any, program: MembershipProgram,
) -> Decimal:
    """The order total in units of the program's currency.

    Through the reporting currency: the order keeps its own rate from placedAt,
    the program's currency takes the rate of the same day.
    """
    total = money.from_minor(order.total_minor, order.currency)
    if order.currency == program.currency:
        return total
    program_rate = await rates.reporting_rate(
        session, currency=program.currency, reporting=viewer.reporting_currency,
        day=order.placed_at.date(), field="currency",
    )
    return total * order.rate / program_rate


async def earn_for_order(session: AsyncSession, viewer: Viewer, order: Any) -> int:
    """Credit the points a paid order earns; return them (0 when not a member).

    Paying an order twice earns once: an existing EARN row for it is returned.
    """
    found = await _membership_for_order(session, order)
    if found is None:
        return 0
    # Under the lock, so a concurrent payment of the same order has committed its EARN row.
    membership = await ledger.lock_membership(session, found.id)
    assert membership is not None
    earned = await session.scalar(select(PointsEntry.delta).where(
        PointsEntry.order_id == order.id, PointsEntry.reason == PointsReason.EARN
    ))
    if earned is not None:
        return earned
    program = await session.get(MembershipProgram, (membership.tenant_id, membership.program_id))
    assert program is not None
    amount = await _in_program_currency(session, viewer, order, program)
    points = int((amount * program.points_per_unit).to_integral_value(ROUND_FLOOR))
    # A payment never fails over points: a huge order earns what the balance can still hold.
    points = min(points, ledger.MAX_POINTS - membership.points_balance)
    if points <= 0:
        return 0
    now = utcnow()
    await ledger.change_points(
        session, membership, delta=points, reason=PointsReason.EARN, order_id=order.id,
        expires_at=expiry_of(program, now), qualifying_delta=points, qualifies_at=now,
    )
    await ledger.evaluate_tier(session, membership, cause="a purchase")
    return points


async def reverse_for_order(session: AsyncSession, viewer: Viewer, order: Any) -> int:
    """Take back what `order` earned (on refund); return the points reversed.

    The balance never goes below zero: points already spent stay spent, the
    REFUND row takes what is left and its note records the shortfall. The
    qualifying points lose the whole purchase either way. A second call
    reverses nothing.
    """
    earn = await session.scalar(select(PointsEntry).where(
        PointsEntry.order_id == order.id, PointsEntry.reason == PointsReason.EARN
    ))
    if earn is None:
        return 0
    # Earned by a membership merged since: its points (and lots) live in the survivor now.
    membership = await ledger.lock_membership(session, await ledger.live_membership_id(session, earn.membership_id))
    assert membership is not None
    # Checked under the lock: a concurrent refund of the same order has committed by now.
    if await session.scalar(select(PointsEntry.id).where(
        PointsEntry.order_id == order.id, PointsEntry.reason == PointsReason.REFUND
    )):
        return 0
    take = min(earn.delta, membership.points_balance)
    note = f"refund of order {order.id}"
    if take < earn.delta:
        note += f"; {earn.delta - take} points were already spent and stay spent"
    # The purchase's own lot goes first, then the oldest.
    own_lots = (await session.scalars(select(PointsLot).where(PointsLot.entry_id == earn.id))).all()
    await ledger.change_points(
        session, membership, delta=-take, reason=PointsReason.REFUND, note=note, order_id=order.id,
        qualifying_delta=-earn.qualifying_delta, qualifies_at=earn.qualifies_at, lots=list(own_lots),
    )
    await ledger.evaluate_tier(session, membership, cause="a refund")
    return take


async def redeem_coupon(
    session: AsyncSession, viewer: Viewer, *, code: str, order: Any, subtotal_minor: int,
) -> int:
    """Redeem coupon `code` for `order` (at most once, ever); return the discount in minor units.

    Raises DomainError (field couponCode) when the coupon is unknown, used, void,
    expired, of another customer, outside its node scope or below its minimum.
    """
    coupon = await session.scalar(select(Coupon).where(Coupon.code == coupons.normalise_code(code)))
    if coupon is None:
        raise not_found("coupon", "couponCode")
    store = await session.get(TierNode, (order.tenant_id, order.store_id))
    if store is None:
        raise not_found("store", "storeId")
    scope = await session.get(TierNode, (order.tenant_id, coupon.node_id)) if coupon.node_id else None
    now = utcnow()
    coupons.check_redeemable(
        coupon, customer_id=order.customer_id, store_path=store.path, currency=order.currency,
        subtotal_minor=subtotal_minor, now=now, scope_path=scope.path if scope else None,
    )
    # The status check above read a snapshot; this conditional UPDATE is what
    # guarantees one redemption ever (a concurrent winner makes it match no row).
    result = await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.status == CouponStatus.ISSUED,
               or_(Coupon.expires_at.is_(None), Coupon.expires_at > now))
        .values(status=CouponStatus.REDEEMED, redeemed_order_id=order.id, redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DomainError(ErrorCode.CONFLICT, "this coupon has been redeemed already", ("couponCode",))
    for key, value in (("status", CouponStatus.REDEEMED), ("redeemed_order_id", order.id), ("redeemed_at", now)):
        set_committed_value(coupon, key, value)
    audit.record(
        session.sync_session, tenant_id=coupon.tenant_id, entity_type="Coupon", entity_id=coupon.id,
        changes={"status": ["ISSUED", "REDEEMED"], "redeemed_order_id": [None, order.id]},
    )
    discount = coupons.discount_minor(coupon, subtotal_minor)
    outbox.emit(
        session, "COUPON_REDEEMED", subject=coupon, node_id=store.id,
        data={"couponId": coupon.id, "membershipId": coupon.membership_id, "orderId": order.id,
              "discount": money.from_minor(discount, order.currency), "currency": order.currency},
    )
    return discount
