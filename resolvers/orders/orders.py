"""Orders: creation with exact money, the status machine, points and coupons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, outbox
from db.base import new_id, utcnow
from db.models.orders import Order, OrderLine, OrderStatus
from db.models.tree import TierNode
from resolvers.common import idempotency
from resolvers.common.errors import DomainError, ErrorCode, Problems, invalid, not_found
from resolvers.common.money import convert_minor, currency_code, from_minor, to_minor
from resolvers.common.numbering import next_number
from resolvers.common.permissions import require
from resolvers.common.rates import reporting_rate
from resolvers.common.timestamps import check_past
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import customer_in_scope
from resolvers.membership import loyalty
from resolvers.tree.nodes import node_in_scope, settings_of

P, D, F, C, R = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.FULFILLED,
                 OrderStatus.CANCELLED, OrderStatus.REFUNDED)
# operation -> (statuses it may start from, status it ends in, timestamp column it sets)
TRANSITIONS: dict[str, tuple[frozenset[OrderStatus], OrderStatus, str]] = {
    "payOrder": (frozenset({P}), D, "paid_at"),
    "fulfillOrder": (frozenset({D}), F, "fulfilled_at"),
    "cancelOrder": (frozenset({P}), C, "cancelled_at"),
    "refundOrder": (frozenset({D, F}), R, "refunded_at"),
}
EVENTS = {"payOrder": "ORDER_PAID", "fulfillOrder": "ORDER_FULFILLED", "cancelOrder": "ORDER_CANCELLED",
          "refundOrder": "ORDER_REFUNDED"}
MAX_LINES = 500
MAX_QUANTITY = 1_000_000
# Keeps every sum far inside a 64-bit column, whatever the currency and rate.
MAX_TOTAL_MINOR = 10**15


@dataclass(frozen=True)
class LineInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


def _check_lines(lines: list[LineInput]) -> None:
    problems = Problems()
    if not lines:
        problems.add(ErrorCode.INVALID, "an order needs at least one line", "lines")
    if len(lines) > MAX_LINES:
        problems.add(ErrorCode.INVALID, f"at most {MAX_LINES} lines", "lines")
    for i, line in enumerate(lines):
        if not line.sku.strip() or len(line.sku) > 64:
            problems.add(ErrorCode.INVALID, "sku must have 1 to 64 characters", ("lines", i, "sku"))
        if not line.name.strip() or len(line.name) > 200:
            problems.add(ErrorCode.INVALID, "name must have 1 to 200 characters", ("lines", i, "name"))
        if not 0 < line.quantity <= MAX_QUANTITY:
            problems.add(ErrorCode.INVALID, f"quantity must be 1 to {MAX_QUANTITY}", ("lines", i, "quantity"))
        if not line.unit_price.is_finite() or line.unit_price < 0:
            problems.add(ErrorCode.INVALID, "unitPrice must not be negative", ("lines", i, "unitPrice"))
    problems.raise_if_any()


def _prices(lines: list[LineInput], currency: str) -> list[int]:
    problems = Problems()
    prices: list[int] = []
    for i, line in enumerate(lines):
        try:
            prices.append(to_minor(line.unit_price, currency, ("lines", i, "unitPrice")))
        except DomainError as exc:
            problems.items.extend(exc.problems)
    problems.raise_if_any()
    if sum(p * line.quantity for p, line in zip(prices, lines, strict=True)) > MAX_TOTAL_MINOR:
        raise invalid("the order total is too large", "lines")
    return prices


async def create_order(
    session: AsyncSession, viewer: Viewer, *, customer_id: int, store_id: int,
    lines: list[LineInput], currency: str | None = None, coupon_code: str | None = None,
    idempotency_key: str | None = None, placed_at: datetime | None = None,
) -> Order:
    """Place a PENDING order; totals are computed here, never taken from the client."""
    require(viewer, "order.write")
    claim = await idempotency.claim(session, operation="createOrder", key=idempotency_key, payload={
        "customer_id": customer_id, "store_id": store_id, "currency": currency,
        "lines": [vars(line) for line in lines], "coupon_code": coupon_code, "placed_at": placed_at,
    })
    if claim.replay_id is not None:
        return await order_in_scope(session, viewer, claim.replay_id)
    code = currency_code(currency) if currency is not None else None
    _check_lines(lines)
    if coupon_code is not None and not 0 < len(coupon_code.strip()) <= 64:
        raise invalid("couponCode must have 1 to 64 characters", "couponCode")
    now = utcnow()
    placed = check_past(placed_at, "placedAt") or now
    store = await node_in_scope(session, viewer, store_id, "storeId")
    customer, _ = await customer_in_scope(session, viewer, customer_id, "customerId")
    code = code or (await settings_of(session, store)).currency
    if code is None:
        raise invalid("the store has no currency: give one", "currency")
    prices = _prices(lines, code)
    reporting = viewer.reporting_currency
    rate = await reporting_rate(session, currency=code, reporting=reporting, day=placed.date())
    subtotal = sum(p * line.quantity for p, line in zip(prices, lines, strict=True))
    order = Order(
        id=new_id(), number=await next_number(session, "order", "O"), customer_id=customer.id,
        store_id=store.id, status=OrderStatus.PENDING, currency=code, subtotal_minor=subtotal,
        discount_minor=0, total_minor=subtotal, reporting_currency=reporting, rate=rate,
        total_reporting_minor=convert_minor(subtotal, code, rate, reporting), placed_at=placed,
        coupon_code=coupon_code.strip() if coupon_code else None,
    )
    session.add(order)
    session.add_all([
        OrderLine(order_id=order.id, position=i, sku=line.sku.strip(), name=line.name.strip(),
                  quantity=line.quantity, unit_price_minor=price, total_minor=price * line.quantity)
        for i, (line, price) in enumerate(zip(lines, prices, strict=True))
    ])
    await session.flush()
    if order.coupon_code:
        discount = await loyalty.redeem_coupon(
            session, viewer, code=order.coupon_code, order=order, subtotal_minor=subtotal
        )
        order.discount_minor = min(max(discount, 0), subtotal)
        order.total_minor = subtotal - order.discount_minor
        order.total_reporting_minor = convert_minor(order.total_minor, code, rate, reporting)
    outbox.emit(session, "ORDER_PLACED", subject=order, node_id=store.id, data=_event_data(order))
    claim.complete(order.id)
    await session.flush()
    return order


async def order_in_scope(session: AsyncSession, viewer: Viewer, order_id: int, field: str = "id") -> Order:
    """The order if its store lies in the viewer's subtree, else NOT_FOUND."""
    row = (await session.execute(
        select(Order, TierNode.path).join(TierNode, TierNode.id == Order.store_id).where(Order.id == order_id)
    )).first()
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("order", field)
    return row[0]


async def _transition(
    session: AsyncSession, viewer: Viewer, order_id: int, operation: str, at: datetime | None,
) -> Order:
    """Move the order along the status machine with one conditional UPDATE.

    `WHERE status IN (...)` makes concurrent callers race on the row: exactly one
    changes it; the others then see the new status and get ILLEGAL_TRANSITION.
    """
    require(viewer, "order.write")
    order = await order_in_scope(session, viewer, order_id)
    sources, target, stamp = TRANSITIONS[operation]
    before, when = order.status, at or utcnow()
    changed = (await session.execute(
        update(Order).where(Order.id == order_id, Order.status.in_(sources))
        .values({"status": target, stamp: when, "updated_at": when})
        .returning(Order.id)
        .execution_options(synchronize_session="fetch")
    )).first()
    if changed is None:
        await session.refresh(order, ["status"])
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"order {order.number} is {order.status.value}; {operation} needs "
            + " or ".join(sorted(sources)), ("id",),
        )
    # A Core UPDATE bypasses the flush that audits ORM changes.
    audit.record(session.sync_session, tenant_id=order.tenant_id, entity_type="Order",
                 entity_id=order.id, changes={"status": [before, target], stamp: [None, when]})
    return order


async def pay_order(
    session: AsyncSession, viewer: Viewer, *, order_id: int, idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Order:
    """PENDING -> PAID and earn points, in one transaction: paid once, earned once."""
    require(viewer, "order.write")
    claim = await idempotency.claim(session, operation="payOrder", key=idempotency_key,
                                    payload={"id": order_id})
    if claim.replay_id is not None:
        return await order_in_scope(session, viewer, claim.replay_id)
    order = await _transition(session, viewer, order_id, "payOrder", at)
    order.points_earned = await loyalty.earn_for_order(session, viewer, order)
    _emit(session, "payOrder", order, points=order.points_earned)
    claim.complete(order.id)
    await session.flush()
    return order


async def fulfill_order(session: AsyncSession, viewer: Viewer, *, order_id: int,
                        at: datetime | None = None) -> Order:
    """PAID -> FULFILLED (handed over or shipped)."""
    order = await _transition(session, viewer, order_id, "fulfillOrder", at)
    _emit(session, "fulfillOrder", order)
    return order


async def cancel_order(session: AsyncSession, viewer: Viewer, *, order_id: int) -> Order:
    """PENDING -> CANCELLED."""
    order = await _transition(session, viewer, order_id, "cancelOrder", None)
    _emit(session, "cancelOrder", order)
    return order


async def refund_order(
    session: AsyncSession, viewer: Viewer, *, order_id: int, reason: str | None = None,
) -> Order:
    """PAID or FULFILLED -> REFUNDED (the full order) and take back the points it earned."""
    if reason is not None and len(reason) > 500:
        raise invalid("reason has at most 500 characters", "reason")
    order = await _transition(session, viewer, order_id, "refundOrder", None)
    order.refund_reason = reason
    reversed_points = await loyalty.reverse_for_order(session, viewer, order)
    _emit(session, "refundOrder", order, points_reversed=reversed_points)
    await session.flush()
    return order


def _event_data(order: Order) -> dict[str, object]:
    return {
        "number": order.number, "status": order.status, "currency": order.currency,
        "total": str(from_minor(order.total_minor, order.currency)), "customerId": order.customer_id,
    }


def _emit(session: AsyncSession, operation: str, order: Order, **extra: object) -> None:
    outbox.emit(session, EVENTS[operation], subject=order, node_id=order.store_id,
                data={**_event_data(order), **extra})
