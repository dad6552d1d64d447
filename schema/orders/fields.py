"""Root fields of orders and exchange rates, and Customer.orders / lifetimeValue."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.models import orders as m
from db.models import tree as tm
from db.session import DbSession
from resolvers.common import rates
from resolvers.common.permissions import can
from resolvers.common.viewer import Viewer
from resolvers.orders import orders
from resolvers.orders.queries import customer_orders_where, lifetime_values, orders_statement
from schema.errors import forbidden
from schema.loading import by_id
from schema.money import Money
from schema.mutation import run_mutation
from schema.orders.inputs import (
    CancelOrderInput,
    CreateOrderInput,
    ExchangeRatePayload,
    FulfillOrderInput,
    OrderPayload,
    PayOrderInput,
    RefundOrderInput,
    SetExchangeRateInput,
)
from schema.orders.types import ExchangeRate, Order, OrderStatus, fetch_orders
from schema.relay import (
    Connection,
    NestedPages,
    PageArgs,
    decode_id,
    nested_pages,
    page_args,
    paginate,
    register_node,
)

register_node(Order, fetch_orders)

ORDER = ((m.Order.placed_at, True), (m.Order.id, True))


def _statuses(status: list[OrderStatus] | None) -> list[m.OrderStatus]:  # type: ignore[valid-type]
    # Unique: 40,000 repeats were 40,000 bound parameters (PostgreSQL's limit is 32,767: INTERNAL).
    return list(dict.fromkeys(m.OrderStatus(s.value) for s in status or []))


def _require_read(info: Info) -> None:
    if not can(info.context.viewer, "order.read"):
        raise forbidden("this role may not read orders")


def customer_order_pages(
    info: Info, status: list[OrderStatus] | None,  # type: ignore[valid-type]
) -> NestedPages[Order]:
    """The request's batched pages of Customer.orders for these statuses (FORBIDDEN without order.read)."""
    _require_read(info)
    statuses = _statuses(status)
    viewer = info.context.viewer
    return nested_pages(
        info.context, f"customer_orders:{','.join(sorted(statuses))}", m.Order, m.Order.customer_id, ORDER,
        where=lambda: customer_orders_where(viewer, statuses),
    )


async def customer_orders(
    info: Info, customer_id: int, args: PageArgs,
    status: list[OrderStatus] | None,  # type: ignore[valid-type]
) -> Connection[Order]:
    """Customer.orders: pages for every customer of a list in one statement."""
    return await customer_order_pages(info, status)(customer_id, args, Order.from_row)


async def customer_lifetime_value(info: Info, customer_id: int) -> Money:
    """Customer.lifetimeValue: batched over the customers of a page."""
    ctx = info.context
    minor = await ctx.loader("lifetime_value", lifetime_values).load(customer_id)
    return Money.of(minor, ctx.viewer.reporting_currency)


@strawberry.type
class Query:
    @strawberry.field(description="Orders of stores in the caller's subtree (or nodeId's), newest first.")
    async def orders(
        self, info: Info, first: int | None = None, after: str | None = None,
        status: list[OrderStatus] | None = None,  # type: ignore[valid-type]
        node_id: strawberry.ID | None = None, customer_id: strawberry.ID | None = None,
    ) -> Connection[Order]:
        _require_read(info)
        args = page_args(first, after)
        viewer = info.context.viewer
        path, visible = viewer.scope_path, True
        if node_id is not None:
            node = await by_id(info.context, tm.TierNode).load(decode_id(node_id, "TierNode") or 0)
            visible = node is not None and viewer.in_scope(node.path)
            path = node.path if node is not None and visible else path
        customer = (decode_id(customer_id, "Customer") or 0) if customer_id is not None else None
        stmt = orders_statement(
            subtree_path=path, statuses=_statuses(status), customer_id=customer, visible=visible
        )
        return await paginate(info.context, stmt, order=ORDER, args=args, convert=Order.from_row)


def _order_id(gid: str) -> int:
    return decode_id(gid, "Order") or 0


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Place a PENDING order; the same idempotencyKey returns the same order.")
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderPayload:
        lines = [orders.LineInput(sku=x.sku, name=x.name, quantity=x.quantity, unit_price=x.unit_price)
                 for x in input.lines]

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await orders.create_order(
                session, viewer, customer_id=decode_id(input.customer_id, "Customer") or 0,
                store_id=decode_id(input.store_id, "TierNode") or 0, lines=lines,
                currency=input.currency, coupon_code=input.coupon_code,
                idempotency_key=input.idempotency_key, placed_at=input.placed_at,
            )

        return await _order_payload(info, "createOrder", service)

    @strawberry.mutation(description="PENDING -> PAID; earns points (and may change the tier).")
    async def pay_order(self, info: Info, input: PayOrderInput) -> OrderPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await orders.pay_order(
                session, viewer, order_id=_order_id(input.id), idempotency_key=input.idempotency_key
            )

        return await _order_payload(info, "payOrder", service)

    @strawberry.mutation(description="PAID -> FULFILLED.")
    async def fulfill_order(self, info: Info, input: FulfillOrderInput) -> OrderPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await orders.fulfill_order(session, viewer, order_id=_order_id(input.id))

        return await _order_payload(info, "fulfillOrder", service)

    @strawberry.mutation(description="PENDING -> CANCELLED.")
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> OrderPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await orders.cancel_order(session, viewer, order_id=_order_id(input.id))

        return await _order_payload(info, "cancelOrder", service)

    @strawberry.mutation(description="PAID or FULFILLED -> REFUNDED; reverses the points earned.")
    async def refund_order(self, info: Info, input: RefundOrderInput) -> OrderPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await orders.refund_order(session, viewer, order_id=_order_id(input.id), reason=input.reason)

        return await _order_payload(info, "refundOrder", service)

    @strawberry.mutation(description="1 unit of currency = rate units of the reporting currency from date on.")
    async def set_exchange_rate(self, info: Info, input: SetExchangeRateInput) -> ExchangeRatePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await rates.set_exchange_rate(
                session, viewer, currency=input.currency, day=input.date, rate=input.rate
            )

        row, errors = await run_mutation(info, "setExchangeRate", service)
        return ExchangeRatePayload(exchange_rate=ExchangeRate.from_row(row) if row else None, errors=errors)


async def _order_payload(info: Info, operation: str, service: Any) -> OrderPayload:
    row, errors = await run_mutation(info, operation, service)
    return OrderPayload(order=Order.from_row(row) if row else None, errors=errors)
