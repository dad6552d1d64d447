"""RFM: recency, frequency and monetary quintiles per customer, and the segments they fall in.

Population: the customers whose node lies in the subtree and who have at least one
paid or fulfilled order placed up to `as_of` (in any store). Each score is NTILE(5)
over the population ordered ascending by last order time, order count and spend
(ties broken by customer id, so equal values may straddle a quintile boundary
and every backend gives the same answer): 5 is the most recent / most frequent /
highest spending fifth.

Segments follow the common R x FM grid, with FM = ceil((F + M) / 2):

| segment            | R   | FM  |
|--------------------|-----|-----|
| CHAMPIONS          | 5   | 4-5 |
| LOYAL              | 3-4 | 4-5 |
| POTENTIAL_LOYALIST | 4-5 | 2-3 |
| NEW_CUSTOMER       | 5   | 1   |
| PROMISING          | 4   | 1   |
| NEED_ATTENTION     | 3   | 3   |
| ABOUT_TO_SLEEP     | 3   | 1-2 |
| CANNOT_LOSE        | 1-2 | 5   |
| AT_RISK            | 1-2 | 3-4 |
| HIBERNATING        | 2   | 1-2 |
| HIBERNATING        | 1   | 2   |
| LOST               | 1   | 1   |
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.customers import Customer
from db.models.orders import CustomerOrderStats, Order
from db.models.tree import TierNode, in_subtree
from resolvers.common.viewer import Viewer
from resolvers.orders.queries import SALES
from resolvers.reports.common import ReportScope, report_scope


class Segment(enum.StrEnum):
    CHAMPIONS = "CHAMPIONS"
    LOYAL = "LOYAL"
    POTENTIAL_LOYALIST = "POTENTIAL_LOYALIST"
    NEW_CUSTOMER = "NEW_CUSTOMER"
    PROMISING = "PROMISING"
    NEED_ATTENTION = "NEED_ATTENTION"
    ABOUT_TO_SLEEP = "ABOUT_TO_SLEEP"
    CANNOT_LOSE = "CANNOT_LOSE"
    AT_RISK = "AT_RISK"
    HIBERNATING = "HIBERNATING"
    LOST = "LOST"


# (segment, R scores, FM scores): the table in the module docstring, first match wins.
GRID: list[tuple[Segment, range, range]] = [
    (Segment.CHAMPIONS, range(5, 6), range(4, 6)),
    (Segment.LOYAL, range(3, 5), range(4, 6)),
    (Segment.POTENTIAL_LOYALIST, range(4, 6), range(2, 4)),
    (Segment.NEW_CUSTOMER, range(5, 6), range(1, 2)),
    (Segment.PROMISING, range(4, 5), range(1, 2)),
    (Segment.NEED_ATTENTION, range(3, 4), range(3, 4)),
    (Segment.ABOUT_TO_SLEEP, range(3, 4), range(1, 3)),
    (Segment.CANNOT_LOSE, range(1, 3), range(5, 6)),
    (Segment.AT_RISK, range(1, 3), range(3, 5)),
    (Segment.HIBERNATING, range(2, 3), range(1, 3)),
    (Segment.HIBERNATING, range(1, 2), range(2, 3)),
    (Segment.LOST, range(1, 2), range(1, 2)),
]


@dataclass(frozen=True)
class RfmScore:
    customer_id: int
    last_order_at: datetime
    orders: int
    monetary_minor: int
    recency: int
    frequency: int
    monetary: int
    segment: Segment


def _between(column: Any, low: int, high: int) -> Any:
    return column.between(literal_column(str(low)), literal_column(str(high)))


def scored(path: str, as_of: datetime) -> Any:
    """A subquery: one row per customer of the population with its scores and segment."""
    # From the rollup (db/customer_stats.py) for customers whose last sale is placed by as_of (all
    # of it counts: everyone, as of now); from their orders for the few with sales after as_of.
    stats = CustomerOrderStats
    in_population = (
        select(stats)
        .join(Customer, and_(Customer.tenant_id == stats.tenant_id, Customer.id == stats.customer_id))
        .join(TierNode, TierNode.id == Customer.node_id)
        .where(in_subtree(TierNode.path, path), stats.first_order_at <= as_of)
        .subquery()
    )
    p = in_population.c
    whole = select(p.customer_id, p.last_order_at, p.order_count.label("orders"),
                   p.lifetime_value.label("monetary_minor")).where(p.last_order_at <= as_of)
    partly = (
        select(
            Order.customer_id.label("customer_id"),
            func.max(Order.placed_at).label("last_order_at"),
            func.count(Order.id).label("orders"),
            # bigint like the rollup's column (PostgreSQL's sum is numeric, slower to rank)
            cast(func.sum(Order.total_reporting_minor), BigInteger).label("monetary_minor"),
        )
        .join(in_population, and_(p.tenant_id == Order.tenant_id, p.customer_id == Order.customer_id))
        .where(p.last_order_at > as_of, Order.status.in_(SALES), Order.placed_at <= as_of)
        .group_by(Order.customer_id)
    )
    per_customer = union_all(whole, partly).subquery()
    c = per_customer.c
    five = literal_column("5")
    tiles = select(
        c.customer_id, c.last_order_at, c.orders, c.monetary_minor,
        func.ntile(five, type_=Integer).over(order_by=(c.last_order_at, c.customer_id)).label("recency"),
        func.ntile(five, type_=Integer).over(order_by=(c.orders, c.customer_id)).label("frequency"),
        func.ntile(five, type_=Integer).over(order_by=(c.monetary_minor, c.customer_id)).label("monetary"),
    ).subquery()
    t = tiles.c
    # FM = ceil((F + M) / 2) lies in [a, b] exactly when F + M lies in [2a - 1, 2b]: no division.
    f_plus_m = t.frequency + t.monetary
    segment = case(*(
        (and_(_between(t.recency, r.start, r.stop - 1), _between(f_plus_m, 2 * f.start - 1, 2 * (f.stop - 1))),
         literal_column(f"'{s.value}'"))
        for s, r, f in GRID
    )).label("segment")
    return select(*t, segment).subquery()


def _score(row: Any) -> RfmScore:
    return RfmScore(
        customer_id=row.customer_id, last_order_at=row.last_order_at, orders=int(row.orders),
        monetary_minor=int(row.monetary_minor or 0), recency=row.recency, frequency=row.frequency,
        monetary=row.monetary, segment=Segment(row.segment),
    )


@dataclass(frozen=True)
class RfmReport:
    scope: ReportScope
    as_of: datetime
    counts: dict[Segment, int]


async def rfm_report(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, as_of: datetime | None = None,
) -> RfmReport:
    """Customers per segment: 2 statements (the node, the counts)."""
    scope = await report_scope(session, viewer, node_id)
    as_of = as_of or utcnow()
    sub = scored(scope.path, as_of)
    rows = (await session.execute(select(sub.c.segment, func.count()).group_by(sub.c.segment))).all()
    counts = {s: 0 for s in Segment}
    counts.update({Segment(seg): int(n) for seg, n in rows})
    return RfmReport(scope=scope, as_of=as_of, counts=counts)


async def rfm_scores(
    session: AsyncSession, *, path: str, as_of: datetime, segment: Segment | None = None,
    after_id: int | None = None, limit: int | None = None, customer_ids: Sequence[int] | None = None,
) -> list[RfmScore]:
    """Scores in customer id order: a page of one segment, or the given customers; 1 statement."""
    sub = scored(path, as_of)
    stmt = select(sub).order_by(sub.c.customer_id)
    if segment is not None:
        stmt = stmt.where(sub.c.segment == segment.value)
    if after_id is not None:
        stmt = stmt.where(sub.c.customer_id > after_id)
    if customer_ids is not None:
        stmt = stmt.where(sub.c.customer_id.in_(set(customer_ids)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_score(r) for r in (await session.execute(stmt)).all()]
