"""Orders, their lines, exchange rates and per-tenant document numbers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class OrderStatus(enum.StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class Order(TenantScoped, Base):
    """Amounts are integer minor units of `currency`; `total_reporting_minor` is in the
    tenant's reporting currency at the rate of `placed_at`, so rollups sum it in SQL."""

    __tablename__ = "sales_order"  # "order" is an SQL keyword
    __graphql_type__ = "Order"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("store_id", "tier_node"),
        Index("ix_sales_order_placed", "tenant_id", "placed_at", "id"),
        # Per-parent pages (a customer's last orders) are windows ordered by (placed_at, id):
        # the index must end with both, or SQLite walks the tenant's whole order history.
        Index("ix_sales_order_customer", "tenant_id", "customer_id", "placed_at", "id"),
        Index("ix_sales_order_store", "tenant_id", "store_id", "placed_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[OrderStatus] = mapped_column(
        Enum(OrderStatus, native_enum=False, length=20), default=OrderStatus.PENDING
    )
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int]
    discount_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    reporting_currency: Mapped[str] = mapped_column(String(3))
    # 1 unit of `currency` = `rate` units of the reporting currency, as of placed_at.
    rate: Mapped[Decimal]
    total_reporting_minor: Mapped[int]
    points_earned: Mapped[int] = mapped_column(default=0)
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    refund_reason: Mapped[str | None] = mapped_column(String(500))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomerOrderStats(Base):
    """One customer's paid sales (PAID, FULFILLED orders), kept by database triggers
    (db/customer_stats.py): what segment rules and RFM read instead of every order.

    A row exists exactly when the customer has such orders; `lifetime_value` sums their
    `total_reporting_minor` as Customer.lifetimeValue does. Not TenantScoped (like NodeStats):
    readers join it to the customer, whose tenant filter confines it.
    """

    __tablename__ = "customer_order_stats"
    __table_args__ = (tenant_fk("customer_id", "customer", ondelete="CASCADE"),)

    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lifetime_value: Mapped[int] = mapped_column(BigInteger)  # minor units of the reporting currency
    order_count: Mapped[int] = mapped_column(BigInteger)
    first_order_at: Mapped[datetime]  # placed_at of the earliest and latest of them
    last_order_at: Mapped[datetime]


class OrderLine(TenantScoped, Base):
    __tablename__ = "order_line"
    __table_args__ = (
        tenant_fk("order_id", "sales_order"),
        Index("ix_order_line_order", "tenant_id", "order_id", "position"),
    )

    order_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int]
    total_minor: Mapped[int]


class ExchangeRate(TenantScoped, Base):
    """1 unit of `currency` = `rate` units of the tenant's reporting currency on `day`."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("tenant_id", "currency", "day"),)

    currency: Mapped[str] = mapped_column(String(3))
    day: Mapped[date]
    rate: Mapped[Decimal]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DocumentCounter(TenantScoped, Base):
    """Per-tenant counters behind readable numbers (orders O-000001, tickets T-000001)."""

    __tablename__ = "document_counter"
    __audited__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(default=0)
