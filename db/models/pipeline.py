"""Sales pipeline: pipelines and their stages, opportunities, stage history, tasks, reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class OpportunityStatus(enum.StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class Pipeline(TenantScoped, Base):
    __tablename__ = "pipeline"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PipelineStage(TenantScoped, Base):
    __tablename__ = "pipeline_stage"
    __table_args__ = (
        UniqueConstraint("tenant_id", "pipeline_id", "rank"),
        tenant_fk("pipeline_id", "pipeline"),
    )

    pipeline_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int]
    probability: Mapped[Decimal]  # a fraction: 0.6 means 60 %
    # OPEN stages are where work happens; WON/LOST stages are where closing lands.
    outcome: Mapped[OpportunityStatus] = mapped_column(
        Enum(OpportunityStatus, native_enum=False, length=10), default=OpportunityStatus.OPEN
    )


class Opportunity(TenantScoped, Base):
    __tablename__ = "opportunity"
    __table_args__ = (
        tenant_fk("pipeline_id", "pipeline"),
        tenant_fk("stage_id", "pipeline_stage"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("owner_id", "staff"),
        tenant_fk("node_id", "tier_node"),
        Index("ix_opportunity_node", "tenant_id", "node_id"),
        Index("ix_opportunity_customer", "tenant_id", "customer_id", "created_at"),
        Index("ix_opportunity_created", "tenant_id", "created_at", "id"),
        # The forecast's two scans: open ones by close date, closed ones by close time.
        Index("ix_opportunity_status_close_date", "tenant_id", "status", "expected_close_date"),
        Index("ix_opportunity_status_closed_at", "tenant_id", "status", "closed_at"),
    )

    pipeline_id: Mapped[int] = mapped_column(BigInteger)
    stage_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    node_id: Mapped[int] = mapped_column(BigInteger)  # the store (or any node) it belongs to
    title: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    # In the tenant's reporting currency at the rate of the day the amount was set,
    # so that forecasts sum it in SQL.
    amount_reporting_minor: Mapped[int]
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[OpportunityStatus] = mapped_column(
        Enum(OpportunityStatus, native_enum=False, length=10), default=OpportunityStatus.OPEN
    )
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    won_order_id: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OpportunityStageChange(TenantScoped, Base):
    """One row per stage change: who moved it, when, from where to where."""

    __tablename__ = "opportunity_stage_change"
    __table_args__ = (
        tenant_fk("opportunity_id", "opportunity"),
        Index("ix_opportunity_stage_change_opp", "tenant_id", "opportunity_id", "at"),
    )

    opportunity_id: Mapped[int] = mapped_column(BigInteger)
    from_stage_id: Mapped[int | None] = mapped_column(BigInteger)
    to_stage_id: Mapped[int] = mapped_column(BigInteger)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(TenantScoped, Base):
    __tablename__ = "task"
    __table_args__ = (
        tenant_fk("assignee_id", "staff"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("opportunity_id", "opportunity"),
        tenant_fk("node_id", "tier_node"),
        Index("ix_task_assignee_due", "tenant_id", "assignee_id", "due_at"),
        Index("ix_task_due_open", "due_at", "done_at"),
    )

    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    assignee_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    opportunity_id: Mapped[int | None] = mapped_column(BigInteger)
    node_id: Mapped[int] = mapped_column(BigInteger)  # the customer's node, for scoping
    created_by_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(TenantScoped, Base):
    """A reminder claimed by one scheduler: the unique key makes the claim atomic."""

    __tablename__ = "reminder"
    __audited__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "target_id", "due_at"),)

    kind: Mapped[str] = mapped_column(String(20))  # task_due | ticket_sla
    target_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime]  # the deadline reminded of: a snoozed task is reminded again
    staff_id: Mapped[int] = mapped_column(BigInteger)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    delivered: Mapped[bool] = mapped_column(default=False)
