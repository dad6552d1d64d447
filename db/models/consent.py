"""Consent per customer, channel and purpose: an append-only history (resolvers/consent/)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class ConsentChannel(enum.StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    MESSENGER = "MESSENGER"
    PHONE = "PHONE"


class ConsentPurpose(enum.StrEnum):
    MARKETING = "MARKETING"  # offers, campaigns, newsletters
    SERVICE = "SERVICE"  # messages about the customer's own orders, tickets and membership


class ConsentRecord(TenantScoped, Base):
    """One statement of consent, never changed (a merge only moves it to the survivor): the current state of a (customer, channel,
    purpose) is its latest row (by `at`, then id); none means not granted. Only a GDPR
    erasure deletes rows."""

    __tablename__ = "consent_record"
    __erased__ = True  # a GDPR erasure deletes the customer's rows (resolvers/security/gdpr.py)
    __table_args__ = (
        tenant_fk("customer_id", "customer"),
        tenant_fk("by_staff_id", "staff"),
        Index("ix_consent_record_latest", "tenant_id", "customer_id", "channel", "purpose", "at", "id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[ConsentChannel] = mapped_column(Enum(ConsentChannel, native_enum=False, length=10))
    purpose: Mapped[ConsentPurpose] = mapped_column(Enum(ConsentPurpose, native_enum=False, length=10))
    granted: Mapped[bool]
    # Where the statement came from: "api", "import", "store", "web form"... (free text).
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_staff_id: Mapped[int | None] = mapped_column(BigInteger)
