"""tierDistribution: members per tier per child node, and tier movements in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.customers import Customer
from db.models.membership import Membership, MembershipTier, TierChange
from db.models.tree import TierNode, in_subtree
from resolvers.common.viewer import Viewer
from resolvers.reports.common import ReportScope, check_period, nodes_by_path, report_scope


@dataclass(frozen=True)
class TierCount:
    node: TierNode
    tier: MembershipTier
    members: int


@dataclass(frozen=True)
class TierMovement:
    node: TierNode
    from_tier: MembershipTier | None  # None: joined the program
    to_tier: MembershipTier
    count: int

    @property
    def upgrade(self) -> bool:
        return self.from_tier is None or self.to_tier.rank > self.from_tier.rank


@dataclass(frozen=True)
class TierDistribution:
    scope: ReportScope
    counts: list[TierCount]
    movements: list[TierMovement]


async def tier_distribution(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, start: datetime | None,
    end: datetime | None, depth: int = 1,
) -> TierDistribution:
    """Members by the customer's node; tier changes dated in [start, end). 5 statements."""
    scope = await report_scope(session, viewer, node_id, depth)
    check_period(start, end)
    group = scope.group_path(TierNode.path).label("group_path")
    members = (await session.execute(
        select(group, Membership.tier_id, func.count(Membership.id))
        .join(Customer, Customer.id == Membership.customer_id)
        .join(TierNode, TierNode.id == Customer.node_id)
        .where(in_subtree(TierNode.path, scope.path), Membership.merged_into_id.is_(None))
        .group_by(group, Membership.tier_id)
    )).all()
    moves = select(group, TierChange.from_tier_id, TierChange.to_tier_id, func.count(TierChange.id)) \
        .join(Membership, Membership.id == TierChange.membership_id) \
        .join(Customer, Customer.id == Membership.customer_id) \
        .join(TierNode, TierNode.id == Customer.node_id) \
        .where(in_subtree(TierNode.path, scope.path)) \
        .group_by(group, TierChange.from_tier_id, TierChange.to_tier_id)
    if start is not None:
        moves = moves.where(TierChange.at >= start)
    if end is not None:
        moves = moves.where(TierChange.at < end)
    movements = (await session.execute(moves)).all()
    tier_ids = {r[1] for r in members} | {t for r in movements for t in (r[1], r[2]) if t is not None}
    tiers = {t.id: t for t in (await session.scalars(
        select(MembershipTier).where(MembershipTier.id.in_(tier_ids))
    )).all()} if tier_ids else {}
    nodes = await nodes_by_path(session, {r[0] for r in members} | {r[0] for r in movements})

    def order(node: TierNode, *ranks: int) -> tuple[str, tuple[int, ...]]:
        return node.path, ranks

    counts = sorted(
        (TierCount(node=nodes[p], tier=tiers[t], members=int(n)) for p, t, n in members),
        key=lambda c: order(c.node, c.tier.rank),
    )
    moved = sorted(
        (TierMovement(node=nodes[p], from_tier=tiers.get(f) if f is not None else None, to_tier=tiers[t], count=int(n))
         for p, f, t, n in movements),
        key=lambda m: order(m.node, m.from_tier.rank if m.from_tier else -1, m.to_tier.rank),
    )
    return TierDistribution(scope=scope, counts=counts, movements=moved)
