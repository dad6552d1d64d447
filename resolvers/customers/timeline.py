"""The customer timeline: entries of every kind merged newest first, keyset-paged.

Each kind registers a source: a function giving the SELECT of (at, id, customer_id)
for a set of customers. One UNION ALL over the sources returns a page of
(at, kind, id) ordered by (at, kind, id) descending, so the cursor stays exact
across kinds and equal timestamps; the schema then loads each kind's rows in one
batch. The membership domain adds its kinds with `register_source`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models.membership import Membership, PointsEntry, TierChange
from db.models.orders import Order
from db.models.service import Interaction, Ticket
from resolvers.common.viewer import Viewer
from resolvers.orders.queries import visible_orders
from resolvers.pipeline.opportunities import opportunity_timeline_source

# kind -> (viewer, customer ids) -> SELECT with columns labelled at, id, customer_id.
Source = Callable[[Viewer, Sequence[int]], Select[Any]]
SOURCES: dict[str, Source] = {}
Cursor = tuple[datetime, str, int]


def register_source(kind: str, source: Source) -> None:
    SOURCES[kind] = source


def _orders(viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    return select(Order.placed_at.label("at"), Order.id.label("id"), Order.customer_id.label("customer_id")).where(
        Order.customer_id.in_(customers), *visible_orders(viewer)
    )


def _tickets(_viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    return select(Ticket.created_at.label("at"), Ticket.id.label("id"), Ticket.customer_id.label("customer_id")).where(
        Ticket.customer_id.in_(customers)
    )


def _interactions(_viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    return select(
        Interaction.occurred_at.label("at"), Interaction.id.label("id"), Interaction.customer_id.label("customer_id")
    ).where(Interaction.customer_id.in_(customers))


# A membership combined into another by a merge shows its history on the survivor's timeline:
# entries join their membership, which joins the live membership holding it (itself or its target).
_OWNER = aliased(Membership, name="owner")
_HOLDS = or_(and_(Membership.merged_into_id.is_(None), _OWNER.id == Membership.id),
             _OWNER.id == Membership.merged_into_id)


def _points_entries(_viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    return (
        select(PointsEntry.created_at.label("at"), PointsEntry.id.label("id"), _OWNER.customer_id.label("customer_id"))
        .join(Membership, Membership.id == PointsEntry.membership_id).join(_OWNER, _HOLDS)
        .where(_OWNER.customer_id.in_(customers))
    )


def _tier_changes(_viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    return (
        select(TierChange.at.label("at"), TierChange.id.label("id"), _OWNER.customer_id.label("customer_id"))
        .join(Membership, Membership.id == TierChange.membership_id).join(_OWNER, _HOLDS)
        .where(_OWNER.customer_id.in_(customers))
    )


register_source("Order", _orders)
register_source("Ticket", _tickets)
register_source("Interaction", _interactions)
register_source("PointsEntry", _points_entries)
register_source("TierChange", _tier_changes)
register_source("Opportunity", opportunity_timeline_source)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    id: int
    customer_id: int

    @property
    def cursor(self) -> Cursor:
        return (self.at, self.kind, self.id)


def _before(kind: str, stmt: Select[Any], after: Cursor) -> ColumnElement[bool]:
    """This source's rows that sort after the cursor (newest first). The kind is constant
    within a source, so the (at, kind, id) comparison becomes an index-friendly one."""
    at_col, id_col = stmt.selected_columns.at, stmt.selected_columns.id
    at, after_kind, after_id = after
    if kind < after_kind:
        return at_col <= at
    if kind > after_kind:
        return at_col < at
    return or_(at_col < at, and_(at_col == at, id_col < after_id))


def _branches(viewer: Viewer, customers: Sequence[int], size: int, after: Cursor | None) -> list[Select[Any]]:
    branches = []
    for kind, source in SOURCES.items():
        stmt = source(viewer, customers)
        if after is not None:
            stmt = stmt.where(_before(kind, stmt, after))
        stmt = stmt.add_columns(literal(kind).label("kind"))
        if len(customers) == 1:
            # A page holds at most size + 1 rows of any one source: read no more.
            inner = stmt.order_by(stmt.selected_columns.at.desc(), stmt.selected_columns.id.desc()).limit(size + 1)
            stmt = select(*inner.subquery().c)
        branches.append(stmt)
    return branches


async def timeline_pages(
    session: AsyncSession, viewer: Viewer, customers: Sequence[int], size: int, after: Cursor | None,
) -> dict[int, list[Entry]]:
    """Up to size + 1 entries per customer, newest first, after the cursor: one statement."""
    merged = union_all(*_branches(viewer, customers, size, after)).subquery()
    order = (merged.c.at.desc(), merged.c.kind.desc(), merged.c.id.desc())
    rn = func.row_number().over(partition_by=merged.c.customer_id, order_by=order).label("rn")
    ranked = select(merged, rn).subquery()
    stmt = (
        select(ranked.c.at, ranked.c.kind, ranked.c.id, ranked.c.customer_id)
        .where(ranked.c.rn <= size + 1)
        .order_by(ranked.c.customer_id, ranked.c.rn)
    )
    out: dict[int, list[Entry]] = {c: [] for c in customers}
    for at, kind, entry_id, customer_id in (await session.execute(stmt)).all():
        out[customer_id].append(Entry(at, kind, entry_id, customer_id))
    return out


async def timeline_counts(session: AsyncSession, viewer: Viewer, customers: Sequence[int]) -> list[int]:
    """How many entries each customer's timeline holds: one statement."""
    merged = union_all(*(source(viewer, customers) for source in SOURCES.values())).subquery()
    rows = await session.execute(
        select(merged.c.customer_id, func.count()).group_by(merged.c.customer_id)
    )
    found = dict(rows.all())
    return [int(found.get(c, 0)) for c in customers]


