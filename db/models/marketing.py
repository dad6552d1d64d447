"""Marketing: saved segments (a rule over customers), campaigns and their recipients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, tenant_fk, utcnow


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

