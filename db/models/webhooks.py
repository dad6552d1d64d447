"""Webhooks for integrators and their delivery attempts (resolvers/webhooks/)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class WebhookState(enum.StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"  # due at next_retry_at
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # given up (a 4xx, or the webhook was disabled)
    CANCELLED = "CANCELLED"  # superseded by replayWebhook


class Webhook(TenantScoped, Base):
    __tablename__ = "webhook"
    __table_args__ = (
        tenant_fk("node_id", "tier_node"),
        tenant_fk("owner_id", "staff"),
        Index("ix_webhook_state_lease", "state", "lease_until"),
    )

    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(default=list)  # empty: every type
    node_id: Mapped[int | None] = mapped_column(BigInteger)
    # The events and their masking are the owner's, as their subscription would see them.
    owner_id: Mapped[int] = mapped_column(BigInteger)
    secret: Mapped[str] = mapped_column(String(100), info={"secret": True})
    previous_secret: Mapped[str | None] = mapped_column(String(100), info={"secret": True})
    previous_secret_expires_at: Mapped[datetime | None]
    state: Mapped[WebhookState] = mapped_column(
        Enum(WebhookState, native_enum=False, length=10), default=WebhookState.ACTIVE
    )
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Worker bookkeeping, written with Core statements so it leaves no audit rows:
    # the last event cursor handled in order, and the claim of one worker process.
    cursor: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]


class WebhookDelivery(TenantScoped, Base):
    __tablename__ = "webhook_delivery"
    __audited__ = False  # the delivery log is itself the record
    __table_args__ = (
        tenant_fk("webhook_id", "webhook", ondelete="CASCADE"),
        Index("ix_webhook_delivery_webhook", "tenant_id", "webhook_id", "id"),
        Index("ix_webhook_delivery_due", "tenant_id", "webhook_id", "status", "next_retry_at"),
    )

    webhook_id: Mapped[int] = mapped_column(BigInteger)
    event_seq: Mapped[int]
    event_id: Mapped[int]  # the webhook-id header is derived from it: the receiver's dedupe key
    manual: Mapped[bool] = mapped_column(default=False)  # redeliver(): outside the in-order stream
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=10), default=DeliveryStatus.PENDING
    )
    attempt: Mapped[int] = mapped_column(default=0)  # attempts made so far
    status_code: Mapped[int | None]
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    next_retry_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
