"""Customers: contacts, tags, custom attributes, the node they belong to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


class Customer(TenantScoped, Base):
    __tablename__ = "customer"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_ref"),
        tenant_fk("node_id", "tier_node"),
        Index("ix_customer_node", "tenant_id", "node_id"),
        Index("ix_customer_created", "tenant_id", "created_at", "id"),
    )

    node_id: Mapped[int] = mapped_column(BigInteger)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), info={"pii": True})
    email: Mapped[str | None] = mapped_column(String(320), info={"pii": True})
    phone: Mapped[str | None] = mapped_column(String(32), info={"pii": True})
    locale: Mapped[str | None] = mapped_column(String(35))
    tags: Mapped[list[str]] = mapped_column(default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None]
