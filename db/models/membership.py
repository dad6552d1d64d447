"""Membership programs, tier ladders, the append-only points ledger, coupons."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class PointsReason(enum.StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    EXPIRE = "EXPIRE"
    ADJUST = "ADJUST"
    REFUND = "REFUND"
    MERGE = "MERGE"  # a balance moved between memberships when customers merge


class CouponStatus(enum.StrEnum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"


class MembershipProgram(TenantScoped, Base):
    __tablename__ = "membership_program"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    points_per_unit: Mapped[Decimal]
    points_expiry_days: Mapped[int | None]  # None: points never expire
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipTier(TenantScoped, Base):
    __tablename__ = "membership_tier"
    __table_args__ = (
        UniqueConstraint("tenant_id", "program_id", "rank"),
        tenant_fk("program_id", "membership_program"),
    )

    program_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int]
    threshold: Mapped[int]
    benefits: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Membership(TenantScoped, Base):
    """A customer's membership; `points_balance` changes only in resolvers/ledger.py."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("tenant_id", "program_id", "customer_id"),
        tenant_fk("program_id", "membership_program"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("tier_id", "membership_tier"),
        tenant_fk("merged_into_id", "membership"),
        Index("ix_membership_customer", "tenant_id", "customer_id"),
        Index("ix_membership_merged_into", "tenant_id", "merged_into_id"),
        Index("ix_membership_tier", "tenant_id", "tier_id"),
    )

    program_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    tier_id: Mapped[int] = mapped_column(BigInteger)
    points_balance: Mapped[int] = mapped_column(default=0)
    # As of the last tier evaluation (points earned minus refunded, trailing 12 months).
    qualifying_points: Mapped[int] = mapped_column(default=0)
    # The daily review downgrades at most one step a day: it skips tiers changed today.
    tier_changed_at: Mapped[datetime | None]
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a customer merge combined this membership into another of the same program:
    # its entries stay here (the ledger is immutable), its lots and balance moved there, and
    # the survivor's qualifying points count its entries (resolvers/membership/ledger.py).
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)


class PointsEntry(TenantScoped, Base):
    """One ledger row: inserted once, never updated or deleted."""

    __tablename__ = "points_entry"
    __table_args__ = (
        tenant_fk("membership_id", "membership"),
        Index("ix_points_entry_ledger", "tenant_id", "membership_id", "created_at", "id"),
        # An order earns once and is refunded once, whatever the callers do (NULLs never clash).
        UniqueConstraint("tenant_id", "order_id", "reason"),
        Index("ix_points_entry_qualifying", "tenant_id", "membership_id", "qualifies_at"),
    )

    membership_id: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int]
    balance_after: Mapped[int]
    reason: Mapped[PointsReason] = mapped_column(Enum(PointsReason, native_enum=False, length=10))
    note: Mapped[str | None] = mapped_column(String(500))
    # No foreign key yet: the order table arrives with the orders domain.
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime | None]
    # Effect on qualifying points, dated when the points were earned: a refund
    # carries the date of the purchase it reverses, so the trailing window stays exact.
    qualifying_delta: Mapped[int] = mapped_column(default=0)
    qualifies_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsLot(TenantScoped, Base):
    """What is left of one credit (earn or positive adjustment), consumed FIFO.

    The mutable half of the ledger, kept apart so ledger rows stay immutable;
    the sum of `remaining` over a membership always equals its balance.
    """

    __tablename__ = "points_lot"
    __audited__ = False  # bookkeeping derived from the (audited) ledger
    __table_args__ = (
        tenant_fk("membership_id", "membership"),
        tenant_fk("entry_id", "points_entry"),
        Index("ix_points_lot_fifo", "tenant_id", "membership_id", "remaining", "created_at"),
        Index("ix_points_lot_expiry", "tenant_id", "expires_at"),
    )

    membership_id: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int]
    remaining: Mapped[int]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TierChange(TenantScoped, Base):
    __tablename__ = "tier_change"
    __table_args__ = (
        tenant_fk("membership_id", "membership"),
        Index("ix_tier_change_membership", "tenant_id", "membership_id", "at", "id"),
    )

    membership_id: Mapped[int] = mapped_column(BigInteger)
    from_tier_id: Mapped[int | None] = mapped_column(BigInteger)
    to_tier_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Coupon(TenantScoped, Base):
    __tablename__ = "coupon"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("membership_id", "membership"),
        Index("ix_coupon_membership", "tenant_id", "membership_id"),
    )

    membership_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    # A bearer secret: whoever holds it can spend it, so the audit trail masks it.
    code: Mapped[str] = mapped_column(String(20), info={"secret": True})
    currency: Mapped[str] = mapped_column(String(3))
    amount_off_minor: Mapped[int | None]
    percent_off: Mapped[Decimal | None]
    minimum_total_minor: Mapped[int | None]
    node_id: Mapped[int | None] = mapped_column(BigInteger)  # redeemable only in this subtree
    expires_at: Mapped[datetime | None]
    status: Mapped[CouponStatus] = mapped_column(
        Enum(CouponStatus, native_enum=False, length=10), default=CouponStatus.ISSUED
    )
    redeemed_order_id: Mapped[int | None] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
