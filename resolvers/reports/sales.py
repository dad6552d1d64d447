"""salesByNode: revenue, orders and average order value per child node and period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.orders import Order
from db.models.tree import TierNode, in_subtree
from resolvers.common.viewer import Viewer
from resolvers.orders.queries import SALES
from resolvers.reports.common import (
    Period,
    ReportScope,
    as_date,
    bucket,
    check_period,
    nodes_by_path,
    report_scope,
)


@dataclass(frozen=True)
class SalesRow:
    node: TierNode
    period: date
    orders: int
    revenue_minor: int  # reporting currency

    @property
    def average_minor(self) -> int:
        """Revenue / orders in minor units, rounded half to even."""
        return int((Decimal(self.revenue_minor) / self.orders).quantize(Decimal(1), ROUND_HALF_EVEN))


async def sales_by_node(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, start: datetime | None,
    end: datetime | None, period: Period, depth: int = 1,
) -> tuple[ReportScope, list[SalesRow]]:
    """Paid and fulfilled orders placed in [start, end), by store ancestor and UTC period: 3 statements."""
    scope = await report_scope(session, viewer, node_id, depth)
    check_period(start, end)
    group = scope.group_path(TierNode.path).label("group_path")
    period_start = bucket(Order.placed_at, period, session.bind.dialect.name).label("period")
    stmt = (
        select(group, period_start, func.count(Order.id), func.sum(Order.total_reporting_minor))
        .select_from(Order).join(TierNode, TierNode.id == Order.store_id)
        .where(in_subtree(TierNode.path, scope.path), Order.status.in_(SALES))
        .group_by(group, period_start).order_by(group, period_start)
    )
    if start is not None:
        stmt = stmt.where(Order.placed_at >= start)
    if end is not None:
        stmt = stmt.where(Order.placed_at < end)
    rows = (await session.execute(stmt)).all()
    nodes = await nodes_by_path(session, {r[0] for r in rows})
    return scope, [
        SalesRow(node=nodes[path], period=as_date(day), orders=int(n), revenue_minor=int(total or 0))
        for path, day, n, total in rows
    ]
