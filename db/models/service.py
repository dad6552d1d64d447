"""Service tickets with their comments, and the interaction log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow
from db.crypto import EncryptedText


class TicketStatus(enum.StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING = "WAITING"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


class TicketPriority(enum.StrEnum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


class InteractionKind(enum.StrEnum):
    CALL = "CALL"
    VISIT = "VISIT"
    MESSAGE = "MESSAGE"
    EMAIL = "EMAIL"
    NOTE = "NOTE"


class Ticket(TenantScoped, Base):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("customer_id", "customer"),
        tenant_fk("assignee_id", "staff"),
        Index("ix_ticket_customer", "tenant_id", "customer_id", "created_at", "id"),
        Index("ix_ticket_status_due", "tenant_id", "status", "sla_due_at"),
        Index("ix_ticket_created", "tenant_id", "created_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(EncryptedText("ticket.description"))
    status: Mapped[TicketStatus] = mapped_column(
        Enum(TicketStatus, native_enum=False, length=20), default=TicketStatus.OPEN
    )
    priority: Mapped[TicketPriority] = mapped_column(Enum(TicketPriority, native_enum=False, length=20))
    assignee_id: Mapped[int | None] = mapped_column(BigInteger)
    sla_due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TicketComment(TenantScoped, Base):
    __tablename__ = "ticket_comment"
    __table_args__ = (
        tenant_fk("ticket_id", "ticket"),
        tenant_fk("author_id", "staff"),
        Index("ix_ticket_comment_ticket", "tenant_id", "ticket_id", "created_at"),
    )

    ticket_id: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    body: Mapped[str] = mapped_column(EncryptedText("ticket_comment.body"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interaction(TenantScoped, Base):
    __tablename__ = "interaction"
    __table_args__ = (
        tenant_fk("customer_id", "customer"),
        tenant_fk("staff_id", "staff"),
        Index("ix_interaction_customer", "tenant_id", "customer_id", "occurred_at", "id"),
    )

    customer_id: Mapped[int] = mapped_column(BigInteger)
    staff_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[InteractionKind] = mapped_column(Enum(InteractionKind, native_enum=False, length=20))
    channel: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(EncryptedText("interaction.summary"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
