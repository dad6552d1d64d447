"""Order, OrderLine and ExchangeRate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import customers as cm
from db.models import orders as m
from db.models import tree as tm
from schema.customers.types import Customer
from schema.loading import by_id, many_by
from schema.money import Money, plain
from schema.relay import Node, to_global_id
from schema.tree.types import TierNode

OrderStatus = strawberry.enum(  # type: ignore[misc]
    Enum("OrderStatus", {s.value: s.value for s in m.OrderStatus}), name="OrderStatus"
)


@strawberry.type(name="OrderLine")
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Money
    total: Money

    @classmethod
    def from_row(cls, row: m.OrderLine, currency: str) -> OrderLine:
        return cls(
            sku=row.sku, name=row.name, quantity=row.quantity,
            unit_price=Money.of(row.unit_price_minor, currency), total=Money.of(row.total_minor, currency),
        )


_LAZY: dict[str, Any] = {
    "id": lambda r: to_global_id("Order", r.id),
    "subtotal": lambda r: Money.of(r.subtotal_minor, r.currency),
    "discount": lambda r: Money.of(r.discount_minor, r.currency),
    "total": lambda r: Money.of(r.total_minor, r.currency),
    "total_reporting": lambda r: Money.of(r.total_reporting_minor, r.reporting_currency),
    "exchange_rate": lambda r: plain(r.rate),
}


@strawberry.type(name="Order")
class Order(Node):
    row: strawberry.Private[m.Order]
    id: strawberry.ID
    number: str
    status: OrderStatus  # type: ignore[valid-type]
    currency: str
    subtotal: Money
    discount: Money
    total: Money
    total_reporting: Money = strawberry.field(description="Converted at the rate of placedAt.")
    exchange_rate: Decimal = strawberry.field(description="1 unit of currency in the reporting currency.")
    points_earned: int
    coupon_code: str | None
    placed_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def from_row(cls, row: m.Order) -> Order:
        # Built without the dataclass __init__, and the id, the four amounts and the rate only when
        # a query reads them (__getattr__): a customers page converts 300 orders to show one total.
        order = cls.__new__(cls)
        order.__dict__.update(
            row=row, number=row.number,
            status=OrderStatus[row.status.value], currency=row.currency,  # type: ignore[index]
            points_earned=row.points_earned, coupon_code=row.coupon_code,
            placed_at=row.placed_at, paid_at=row.paid_at, fulfilled_at=row.fulfilled_at,
            cancelled_at=row.cancelled_at, refunded_at=row.refunded_at,
        )
        return order

    def __getattr__(self, name: str) -> Any:
        """The lazily converted fields of from_row (only called for attributes not yet set)."""
        convert = _LAZY.get(name)
        if convert is None or "row" not in self.__dict__:
            raise AttributeError(name)
        value = convert(self.__dict__["row"])
        self.__dict__[name] = value
        return value

    @strawberry.field
    async def lines(self, info: Info) -> list[OrderLine]:
        loader = many_by(info.context, m.OrderLine, m.OrderLine.order_id, order_by=[m.OrderLine.position])
        return [OrderLine.from_row(r, self.row.currency) for r in await loader.load(self.row.id)]

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return Customer.from_row(await by_id(info.context, cm.Customer).load(self.row.customer_id))

    @strawberry.field
    async def store(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.store_id))


@strawberry.type(name="ExchangeRate")
class ExchangeRate:
    currency: str
    date: date
    rate: Decimal = strawberry.field(description="1 unit of currency in the reporting currency.")

    @classmethod
    def from_row(cls, row: m.ExchangeRate) -> ExchangeRate:
        return cls(currency=row.currency, date=row.day, rate=plain(row.rate))


async def fetch_orders(info: Info, pks: list[int]) -> list[Any]:
    """Orders by id, None where unknown or their store lies outside the viewer's subtree."""
    ctx = info.context
    rows = await by_id(ctx, m.Order).load_many(pks)
    stores = await by_id(ctx, tm.TierNode).load_many([r.store_id if r else 0 for r in rows])
    return [
        Order.from_row(r) if r is not None and s is not None and ctx.viewer.in_scope(s.path) else None
        for r, s in zip(rows, stores, strict=True)
    ]
