"""Marketing: saved segments (a rule over customers), campaigns and their recipients."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, TenantScoped, tenant_fk, utcnow


class Segment(TenantScoped, Base):
    """A named rule (resolvers/marketing/rules.py, stored validated) over the customers of a node's subtree."""

    __tablename__ = "segment"
    __table_args__ = (
        tenant_fk("node_id", "tier_node"),
        tenant_fk("owner_id", "staff"),
        Index("ix_segment_node", "tenant_id", "node_id", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    node_id: Mapped[int] = mapped_column(BigInteger)
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)



class CampaignStatus(enum.StrEnum):
    DRAFT = "DRAFT"  # editable, nobody contacted
    LAUNCHED = "LAUNCHED"  # audience snapshotted; workers issue and send
    COMPLETED = "COMPLETED"  # every recipient is done (sent, skipped or failed for good)
    CANCELLED = "CANCELLED"  # stopped by staff: what was not yet done is skipped, results still count


class Group(enum.StrEnum):
    TREATMENT = "TREATMENT"
    HOLDOUT = "HOLDOUT"


class DeliveryState(enum.StrEnum):
    NONE = "NONE"  # not part of this recipient's campaign (no such action, or holdout)
    PENDING = "PENDING"
    SENT = "SENT"
    SKIPPED = "SKIPPED"  # with a reason: no consent, no email address, not a member, campaign ended
    FAILED = "FAILED"  # given up after retries, with the last error


class Campaign(TenantScoped, Base):
    """A segment's customers, snapshotted at launch, given a coupon and/or an email; a holdout
    group gets nothing, so results can measure uplift (resolvers/marketing/campaigns.py)."""

    __tablename__ = "campaign"
    __table_args__ = (
        tenant_fk("segment_id", "segment"),
        tenant_fk("node_id", "tier_node"),
        tenant_fk("owner_id", "staff"),
        Index("ix_campaign_status", "status", "starts_at"),
        Index("ix_campaign_node", "tenant_id", "node_id", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    segment_id: Mapped[int] = mapped_column(BigInteger)
    node_id: Mapped[int] = mapped_column(BigInteger)  # the segment's node when created: the scope
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    # {"amountOff": "5"|None, "percentOff": "10"|None, "validDays": 30, "minimumTotal": None}
    coupon: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # {"defaultLocale": "en", "templates": {"en": {"subject": ..., "body": ...}, ...}}
    email: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    holdout_percent: Mapped[int] = mapped_column(default=10)
    seed: Mapped[str] = mapped_column(String(32))  # of the treatment/holdout hash
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    quiet_start_hour: Mapped[int] = mapped_column(default=21)  # local hour, store's time zone
    quiet_end_hour: Mapped[int] = mapped_column(default=8)  # equal to start: no quiet hours
    status: Mapped[CampaignStatus] = mapped_column(
        Enum(CampaignStatus, native_enum=False, length=10), default=CampaignStatus.DRAFT
    )
    launched_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignRecipient(TenantScoped, Base):
    """One customer of a launched campaign: group, and per action its delivery state.

    Written by the worker with conditional Core UPDATEs under a lease (like webhook deliveries);
    the row is the delivery log, so it is not audited itself (the coupons it issues are)."""

    __tablename__ = "campaign_recipient"
    __audited__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "campaign_id", "customer_id"),
        tenant_fk("campaign_id", "campaign", ondelete="CASCADE"),
        tenant_fk("customer_id", "customer"),
        Index("ix_campaign_recipient_due", "tenant_id", "campaign_id", "done", "next_attempt_at"),
        Index("ix_campaign_recipient_customer", "tenant_id", "customer_id"),
    )

    campaign_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    node_id: Mapped[int] = mapped_column(BigInteger)  # the customer's store at launch
    group: Mapped[Group] = mapped_column(Enum(Group, native_enum=False, length=10))
    coupon_state: Mapped[DeliveryState] = mapped_column(Enum(DeliveryState, native_enum=False, length=10))
    coupon_id: Mapped[int | None] = mapped_column(BigInteger)
    email_state: Mapped[DeliveryState] = mapped_column(Enum(DeliveryState, native_enum=False, length=10))
    reason: Mapped[str | None] = mapped_column(String(500))  # why skipped or failed (last word)
    message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(default=0)  # email attempts made
    done: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
