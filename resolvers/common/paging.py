"""Keyset paging SQL shared by every list: one page of a statement, its count, and pages of
children for many parents at once (ROW_NUMBER() OVER (PARTITION BY parent)).

Cursors are decoded by the caller (schema/relay.py): a `Window` holds the decoded values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

OrderKey = tuple[InstrumentedAttribute[Any], bool]  # (column, descending)


@dataclass(frozen=True)
class Window:
    """A page's bounds: `size` rows after/before the decoded cursor values (one extra is fetched)."""

    size: int
    after: Sequence[Any] | None = None
    before: Sequence[Any] | None = None
    backwards: bool = False


def check_order(order: Sequence[OrderKey]) -> None:
    if len({d for _, d in order}) != 1:
        raise ValueError("all order keys must share one direction")


def keyset(order: Sequence[OrderKey], values: Sequence[Any], after: bool) -> Any:
    """Rows strictly after (or before) the cursor's values in the given order."""
    cols = [c for c, _ in order]
    descending = order[0][1]
    forward = after != descending
    left, right = tuple_(*cols), tuple_(*values)
    return left > right if forward else left < right


def ordered(order: Sequence[OrderKey], reverse: bool) -> list[Any]:
    return [c.asc() if desc == reverse else c.desc() for c, desc in order]


def bounded(stmt: Select[Any], order: Sequence[OrderKey], window: Window) -> Select[Any]:
    """`stmt` confined to the window's cursors (not yet ordered or limited)."""
    if window.after is not None:
        stmt = stmt.where(keyset(order, window.after, after=True))
    if window.before is not None:
        stmt = stmt.where(keyset(order, window.before, after=False))
    return stmt


def page_statement(stmt: Select[Any], order: Sequence[OrderKey], window: Window) -> Select[Any]:
    check_order(order)
    stmt = bounded(stmt, order, window)
    return stmt.order_by(*ordered(order, reverse=window.backwards)).limit(window.size + 1)


async def page(session: AsyncSession, stmt: Select[Any], order: Sequence[OrderKey], window: Window) -> list[Any]:
    """One page of `select(Model)...` by keyset, with one extra row (is there a next page?)."""
    return list((await session.scalars(page_statement(stmt, order, window))).all())


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    # Counting over the statement as a subquery keeps its joins and filters intact.
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


async def children_pages(
    session: AsyncSession, model: Any, parent_col: InstrumentedAttribute[Any], order: Sequence[OrderKey],
    where: Sequence[Any], parents: Collection[int], window: Window,
) -> dict[int, list[Any]]:
    """The window's page of `model` rows for each parent, in one statement."""
    check_order(order)
    base = bounded(select(model).where(parent_col.in_(set(parents)), *where), order, window)
    rn = func.row_number().over(
        partition_by=parent_col, order_by=ordered(order, reverse=window.backwards)
    ).label("rn")
    sub = base.add_columns(rn).subquery()
    alias = aliased(model, sub)
    stmt = select(alias).where(sub.c.rn <= window.size + 1).order_by(sub.c[parent_col.key], sub.c.rn)
    found: dict[int, list[Any]] = {}
    for row in (await session.scalars(stmt)).all():
        found.setdefault(getattr(row, parent_col.key), []).append(row)
    return found


async def children_counts(
    session: AsyncSession, parent_col: InstrumentedAttribute[Any], where: Sequence[Any], parents: Collection[int],
) -> dict[Any, int]:
    """How many rows each parent has (parents without rows are absent)."""
    stmt = select(parent_col, func.count()).where(parent_col.in_(set(parents)), *where).group_by(parent_col)
    return {p: int(n) for p, n in (await session.execute(stmt)).all()}
