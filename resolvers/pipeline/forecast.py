"""The sales forecast over a subtree and a period, aggregated in SQL (three statements)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.pipeline import Opportunity, PipelineStage
from db.models.tree import TierNode, in_subtree
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.pipeline.pipelines import LOST, OPEN, WON
from resolvers.tree.nodes import node_in_scope

SEGMENT = 13  # characters of one path segment (db.models.tree.path_segment)


@dataclass
class Line:
    """Open opportunities of one group: count, amount and probability-weighted amount."""

    key: int
    count: int = 0
    open_minor: int = 0
    weighted: Decimal = Decimal(0)  # exact, in minor units; rounded only when shown

    @property
    def weighted_minor(self) -> int:
        return int(self.weighted.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def add(self, count: int, minor: int, probability: Decimal) -> None:
        self.count += count
        self.open_minor += minor
        self.weighted += minor * probability


@dataclass
class Forecast:
    node_id: int
    start: date | None
    end: date | None
    currency: str
    total: Line
    by_stage: list[Line] = field(default_factory=list)
    by_node: list[Line] = field(default_factory=list)
    by_owner: list[Line] = field(default_factory=list)
    won_count: int = 0
    lost_count: int = 0
    won_minor: int = 0
    average_cycle_seconds: Decimal | None = None

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won_count + self.lost_count
        if not closed:
            return None
        return (Decimal(self.won_count) / closed).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _cycle_seconds(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", Opportunity.closed_at - Opportunity.created_at)
    return (func.julianday(Opportunity.closed_at) - func.julianday(Opportunity.created_at)) * 86400


async def forecast(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None = None,
    start: date | None = None, end: date | None = None,
) -> Forecast:
    require(viewer, "report.read")
    root = await node_in_scope(session, viewer, node_id or viewer.scope_node_id, "nodeId")
    scoped = [in_subtree(TierNode.path, root.path)]
    open_filter = [*scoped, Opportunity.status == OPEN]
    if start is not None:
        open_filter.append(Opportunity.expected_close_date >= start)
    if end is not None:
        open_filter.append(Opportunity.expected_close_date <= end)

    # One scan groups by (child node, stage, owner); the three breakdowns and the total
    # are sums of those groups. The child of the root holding an opportunity is the next
    # segment of its node's path; an empty segment means it sits on the root itself.
    child = func.substr(TierNode.path, len(root.path) + 1, SEGMENT)
    keys = (child, Opportunity.stage_id, Opportunity.owner_id, PipelineStage.probability)
    groups = await session.execute(
        select(*keys, func.count(), func.sum(Opportunity.amount_reporting_minor))
        .select_from(Opportunity)
        .join(TierNode, TierNode.id == Opportunity.node_id)
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(*open_filter).group_by(*keys)
    )
    result = Forecast(node_id=root.id, start=start, end=end, currency=viewer.reporting_currency,
                      total=Line(root.id))
    by_stage: dict[int, Line] = {}
    by_node: dict[int, Line] = {}
    by_owner: dict[int, Line] = {}
    for segment, stage_id, owner_id, p, count, minor in groups.all():
        probability, node = Decimal(str(p)), int(segment, 36) if segment else root.id
        for lines, key in ((by_stage, stage_id), (by_node, node), (by_owner, owner_id)):
            lines.setdefault(key, Line(key)).add(count, int(minor), probability)
        result.total.add(count, int(minor), probability)
    result.by_stage, result.by_node, result.by_owner = (
        _ordered(by_stage), _ordered(by_node), _ordered(by_owner))

    closed_filter = [*scoped, Opportunity.status.in_([WON, LOST])]
    if start is not None:
        closed_filter.append(Opportunity.closed_at >= datetime.combine(start, time(), UTC))
    if end is not None and end < date.max:  # the day after 9999-12-31 overflows; nothing closes later
        closed_filter.append(
            Opportunity.closed_at < datetime.combine(end + timedelta(days=1), time(), UTC)
        )
    closed = await session.execute(
        select(Opportunity.status, func.count(),
               func.coalesce(func.sum(Opportunity.amount_reporting_minor), 0),
               func.sum(_cycle_seconds(session.get_bind().dialect.name)))
        .select_from(Opportunity).join(TierNode, TierNode.id == Opportunity.node_id)
        .where(*closed_filter).group_by(Opportunity.status)
    )
    seconds = Decimal(0)
    for status, count, minor, cycle in closed.all():
        if status == WON:
            result.won_count, result.won_minor = count, int(minor)
        else:
            result.lost_count = count
        seconds += Decimal(str(cycle or 0))
    closed_count = result.won_count + result.lost_count
    if closed_count:
        result.average_cycle_seconds = (seconds / closed_count).quantize(Decimal(1))
    return result


def _ordered(lines: dict[int, Line]) -> list[Line]:
    """Biggest open amount first; ties by key so that the order is stable."""
    return sorted(lines.values(), key=lambda line: (-line.open_minor, line.key))
