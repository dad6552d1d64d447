"""The organisation tree: a materialized path per node (see docs/tree.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    and_,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, PathString, TenantScoped, tenant_fk, utcnow


def path_segment(node_id: int) -> str:
    """Fixed-width base-36 segment: 13 characters hold any 63-bit id."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    n = node_id
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(13, "0")


class TierNode(TenantScoped, Base):
    __tablename__ = "tier_node"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("parent_id", "tier_node"),
        Index("ix_tier_node_path", "tenant_id", "path"),
        Index("ix_tier_node_parent", "tenant_id", "parent_id"),
    )

    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    # "/<root>/<child>/.../<self>/": a subtree is the index range [path, path + "0").
    path: Mapped[str] = mapped_column(PathString)
    depth: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    locale: Mapped[str | None] = mapped_column(String(35))
    timezone: Mapped[str | None] = mapped_column(String(64))
    membership_program_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def ancestor_ids(self) -> list[int]:
        """Ids root first, excluding self."""
        return [int(seg, 36) for seg in self.path.strip("/").split("/")[:-1]]


def in_subtree(path_column: ColumnElement[str], path: str) -> ColumnElement[bool]:
    """path_column lies in the subtree rooted at the node whose path is `path`."""
    return and_(path_column >= path, path_column < path[:-1] + "0")


def in_subtree_of(path_column: ColumnElement[str], root_path: ColumnElement[str]) -> ColumnElement[bool]:
    """in_subtree with the root's path a column (a join), not a value."""
    end = func.substr(root_path, 1, func.length(root_path) - 1, type_=PathString).concat("0")
    return and_(path_column >= root_path, path_column < end)


class NodeStats(Base):
    """All-time counters of one node's own rows (not its subtree), kept by database triggers.

    A subtree's all-time rollup sums these over the subtree's nodes: a few
    thousand small rows instead of millions of orders (db/node_stats.py). Moves
    cost nothing since counters belong to nodes, not subtrees. Several shards per
    node spread concurrent writers of one busy store over several rows.
    """

    __tablename__ = "node_stats"
    __table_args__ = (tenant_fk("node_id", "tier_node", ondelete="CASCADE"),)

    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True)
    node_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    customer_count: Mapped[int] = mapped_column(default=0)
    member_count: Mapped[int] = mapped_column(default=0)
    order_count: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[int] = mapped_column(default=0)  # minor units of the reporting currency
    open_ticket_count: Mapped[int] = mapped_column(default=0)
