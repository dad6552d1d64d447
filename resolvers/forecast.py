"""The sales forecast over a subtree and a period, aggregated in SQL (five statements)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.pipeline import Opportunity, PipelineStage
from db.models.tree import TierNode, in_subtree
from resolvers.permissions import require
from resolvers.pipeline import LOST, OPEN, WON
from resolvers.tree import node_in_scope
from resolvers.viewer import Viewer

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

    def grouped(*keys: Any) -> Any:
        return (
            select(*keys, func.count(), func.coalesce(func.sum(Opportunity.amount_reporting_minor), 0))
            .select_from(Opportunity).join(TierNode, TierNode.id == Opportunity.node_id)
            .where(*open_filter).group_by(*keys)
        )

    result = Forecast(node_id=root.id, start=start, end=end, currency=viewer.reporting_currency,
                      total=Line(root.id))
    stage_rows = await session.execute(
        grouped(Opportunity.stage_id, PipelineStage.probability)
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
    )
    probability: dict[int, Decimal] = {}
    for stage_id, p, count, minor in stage_rows.all():
        probability[stage_id] = Decimal(str(p))
        line = Line(stage_id)
        line.add(count, int(minor), probability[stage_id])
        result.total.add(count, int(minor), probability[stage_id])
        result.by_stage.append(line)

    # The child of the root that holds an opportunity is the next segment of its path;
    # an empty segment means the opportunity sits on the root node itself.
    child = func.substr(TierNode.path, len(root.path) + 1, SEGMENT)
    result.by_node = await _lines(session, grouped(child, Opportunity.stage_id), probability,
                                  lambda seg: int(seg, 36) if seg else root.id)
    result.by_owner = await _lines(session, grouped(Opportunity.owner_id, Opportunity.stage_id),
                                   probability, int)

    closed_filter = [*scoped, Opportunity.status.in_([WON, LOST])]
    if start is not None:
        closed_filter.append(Opportunity.closed_at >= datetime.combine(start, time(), UTC))
    if end is not None:
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


async def _lines(
    session: AsyncSession, stmt: Any, probability: dict[int, Decimal], key: Any,
) -> list[Line]:
    lines: dict[int, Line] = defaultdict(lambda: Line(0))
    for group, stage_id, count, minor in (await session.execute(stmt)).all():
        k = key(group)
        lines[k].key = k
        lines[k].add(count, int(minor), probability[stage_id])
    return sorted(lines.values(), key=lambda line: (-line.open_minor, line.key))
