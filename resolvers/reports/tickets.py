"""ticketSla: opened, resolved, breached and the exact median resolution time per child node.

A ticket belongs to its customer's node. In [start, end): opened counts tickets
created, breached counts those of them breached (resolvers/tickets.py's rule, as of
now), resolved and the median count tickets resolved. The median is exact on both
backends: durations are integer microseconds computed in SQL, the middle one or two
rows are picked with ROW_NUMBER/COUNT windows, and their mean is taken in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.customers import Customer
from db.models.service import Ticket
from db.models.tree import TierNode, in_subtree
from resolvers.common.viewer import Viewer
from resolvers.reports.common import ReportScope, check_period, nodes_by_path, report_scope
from resolvers.service.tickets import breached_clause


@dataclass(frozen=True)
class SlaRow:
    node: TierNode
    opened: int
    resolved: int
    breached: int
    median_resolution_seconds: Decimal | None


def _micros(later: Any, earlier: Any, dialect: str) -> Any:
    """later - earlier in whole microseconds, exactly (no floating point on either backend)."""
    if dialect == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy always writes the 6 digits).
        def micro(col: Any) -> Any:
            return cast(func.substr(col, literal_column("21"), literal_column("6")), Integer)

        return (func.unixepoch(later) - func.unixepoch(earlier)) * literal_column("1000000") \
            + micro(later) - micro(earlier)
    return cast(extract("epoch", later - earlier) * literal_column("1000000"), BigInteger)


def _in(column: Any, start: datetime | None, end: datetime | None) -> Any:
    conditions = [c for c in (column >= start if start else None, column < end if end else None) if c is not None]
    return and_(column.is_not(None), *conditions)


async def ticket_sla(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, start: datetime | None,
    end: datetime | None, depth: int = 1,
) -> tuple[ReportScope, list[SlaRow]]:
    """4 statements: the node, the counts, the medians, the nodes named."""
    scope = await report_scope(session, viewer, node_id, depth)
    check_period(start, end)
    now = utcnow()
    group = scope.group_path(TierNode.path).label("group_path")
    opened, resolved = _in(Ticket.created_at, start, end), _in(Ticket.resolved_at, start, end)
    one = literal_column("1")
    base = select(Ticket).join(Customer, Customer.id == Ticket.customer_id) \
        .join(TierNode, TierNode.id == Customer.node_id).where(in_subtree(TierNode.path, scope.path))
    counts = (await session.execute(
        base.with_only_columns(
            group,
            func.sum(case((opened, one), else_=literal_column("0"))),
            func.sum(case((resolved, one), else_=literal_column("0"))),
            func.sum(case((and_(opened, breached_clause(now)), one), else_=literal_column("0"))),
        ).where(or_(opened, resolved)).group_by(group)
    )).all()
    durations = base.with_only_columns(
        group, _micros(Ticket.resolved_at, Ticket.created_at, session.bind.dialect.name).label("micros"),
        Ticket.id.label("ticket_id"),
    ).where(resolved).subquery()
    ranked = select(
        durations.c.group_path, durations.c.micros,
        func.row_number().over(partition_by=durations.c.group_path,
                               order_by=(durations.c.micros, durations.c.ticket_id)).label("rn"),
        func.count().over(partition_by=durations.c.group_path).label("n"),
    ).subquery()
    middle = (await session.execute(
        select(ranked.c.group_path, ranked.c.micros).where(
            ranked.c.rn * literal_column("2") >= ranked.c.n,
            ranked.c.rn * literal_column("2") <= ranked.c.n + literal_column("2"),
        )
    )).all()
    middles: dict[str, list[int]] = {}
    for path, micros in middle:
        middles.setdefault(path, []).append(int(micros))
    nodes = await nodes_by_path(session, {r[0] for r in counts})
    rows = [
        SlaRow(
            node=nodes[path], opened=int(o or 0), resolved=int(r or 0), breached=int(b or 0),
            median_resolution_seconds=(
                Decimal(sum(middles[path])) / len(middles[path]) / 1_000_000 if path in middles else None
            ),
        )
        for path, o, r, b in counts
    ]
    return scope, sorted(rows, key=lambda row: row.node.path)
