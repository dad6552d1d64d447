"""What every report shares: the scoped node, child-node grouping, periods, sales."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.tree import TierNode
from resolvers.common.errors import invalid, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer

# A path is "/" + one 14-character segment ("<13 base-36 digits>/") per level.
SEGMENT = 14
MAX_DEPTH = 10


class Period(enum.StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # ISO weeks, starting on Monday
    MONTH = "MONTH"


@dataclass(frozen=True)
class ReportScope:
    """The node a report is about and the depth below it that its rows group by."""

    node: TierNode
    depth: int

    @property
    def path(self) -> str:
        return self.node.path

    def group_path(self, path_column: Any) -> ColumnElement[str]:
        """The path of the ancestor `depth` levels below the node (or the path itself if shallower).

        Rows for a shallower node count what sits directly on it (e.g. a regional warehouse).
        """
        # Literal numbers, not bind parameters: PostgreSQL must see the GROUP BY expression
        # and the selected one as identical.
        length = 1 + SEGMENT * (self.node.depth + self.depth + 1)
        return func.substr(path_column, literal_column("1"), literal_column(str(length)))


async def report_scope(session: AsyncSession, viewer: Viewer, node_id: int | None, depth: int = 1) -> ReportScope:
    """The node (default: the viewer's scope root), NOT_FOUND outside the viewer's subtree."""
    require(viewer, "report.read")
    if not 0 <= depth <= MAX_DEPTH:
        raise invalid(f"depth must be between 0 and {MAX_DEPTH}", "depth")
    node = await session.get(TierNode, (viewer.tenant_id, node_id if node_id is not None else viewer.scope_node_id))
    if node is None or not viewer.in_scope(node.path):
        raise not_found("tier node", "nodeId")
    return ReportScope(node=node, depth=depth)


async def nodes_by_path(session: AsyncSession, paths: set[str]) -> dict[str, TierNode]:
    """The nodes a report's rows name, in one statement."""
    if not paths:
        return {}
    rows = (await session.scalars(select(TierNode).where(TierNode.path.in_(paths)))).all()
    return {n.path: n for n in rows}


def check_period(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and start >= end:
        raise invalid("from must be before to", "from")


def bucket(column: Any, period: Period, dialect: str) -> ColumnElement[Any]:
    """The first day (UTC) of the period holding a UTC timestamp column, computed in SQL.

    SQLite stores naive UTC text; PostgreSQL timestamptz is read AT TIME ZONE 'UTC' so the
    session's time zone never moves a row into another day.
    """
    if dialect == "sqlite":
        modifiers = {
            Period.DAY: [],
            Period.WEEK: ["'weekday 0'", "'-6 days'"],  # the next Sunday (or today) less 6 days: Monday
            Period.MONTH: ["'start of month'"],
        }[period]
        return func.date(column, *map(literal_column, modifiers))
    utc = column.op("AT TIME ZONE")(literal_column("'UTC'"))
    unit = {Period.DAY: "'day'", Period.WEEK: "'week'", Period.MONTH: "'month'"}[period]
    return cast(func.date_trunc(literal_column(unit), utc), Date)


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
