"""Inputs and payloads of orders and exchange rates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.errors import UserError
from schema.orders.types import ExchangeRate, Order


@strawberry.input
class OrderLineInput:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@strawberry.input
class CreateOrderInput:
    customer_id: strawberry.ID
    store_id: strawberry.ID
    lines: list[OrderLineInput]
    currency: str | None = None
    coupon_code: str | None = None
    idempotency_key: str | None = None
    placed_at: datetime | None = None


@strawberry.input
class PayOrderInput:
    id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class FulfillOrderInput:
    id: strawberry.ID


@strawberry.input
class CancelOrderInput:
    id: strawberry.ID


@strawberry.input
class RefundOrderInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.type
class OrderPayload:
    order: Order | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetExchangeRateInput:
    currency: str
    date: str
    rate: Decimal


@strawberry.type
class ExchangeRatePayload:
    exchange_rate: ExchangeRate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
