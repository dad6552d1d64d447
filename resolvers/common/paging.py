"""Keyset paging SQL shared by every list: one page of a statement, its count, and pages of
children for many parents at once (ROW_NUMBER() OVER (PARTITION BY parent)).

Cursors are decoded by the caller (schema/relay.py): a `Window` holds the decoded values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from resolvers.common.shapes import ShapeCache, where_key

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


_PAGES = ShapeCache()
_COUNTS = ShapeCache()


def _cursor_params(order: Sequence[OrderKey], name: str) -> list[Any]:
    return [bindparam(f"{name}{i}", type_=c.type) for i, (c, _) in enumerate(order)]


def children_statement(
    model: Any, parent_col: InstrumentedAttribute[Any], order: Sequence[OrderKey], where: Sequence[Any],
    window: Window,
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The children-pages select for this shape with its parameters (parents, size, cursors as
    bind parameters), built once per shape: the subquery's column proxies and the alias cost
    more than the query. None where the criteria name no cacheable shape."""
    criteria = where_key(where)
    if criteria is None:
        return None
    after, before = window.after is not None, window.before is not None
    shape = (model, parent_col.class_, parent_col.key, tuple((c.class_, c.key, d) for c, d in order),
             window.backwards, after, before, criteria)

    def build() -> Select[Any]:
        bounds = Window(size=0, backwards=window.backwards, after=_cursor_params(order, "after") if after else None,
                        before=_cursor_params(order, "before") if before else None)
        return _children_select(model, parent_col, order, where, bindparam("parents", expanding=True),
                                bounds, bindparam("size_plus_one"))

    params: dict[str, Any] = {"size_plus_one": window.size + 1}
    for name, values in (("after", window.after), ("before", window.before)):
        params.update((f"{name}{i}", v) for i, v in enumerate(values or ()))
    return _PAGES.get(shape, build), params


def _children_select(
    model: Any, parent_col: InstrumentedAttribute[Any], order: Sequence[OrderKey], where: Sequence[Any],
    parents: Any, window: Window, limit: Any,
) -> Select[Any]:
    base = bounded(select(model).where(parent_col.in_(parents), *where), order, window)
    rn = func.row_number().over(
        partition_by=parent_col, order_by=ordered(order, reverse=window.backwards)
    ).label("rn")
    extra = [rn]
    if _counted(window):
        extra.append(func.count().over(partition_by=parent_col).label("total"))
    sub = base.add_columns(*extra).subquery()
    alias = aliased(model, sub)
    stmt = select(alias, sub.c.total) if _counted(window) else select(alias)
    return stmt.where(sub.c.rn <= limit).order_by(sub.c[parent_col.key], sub.c.rn)


def _counted(window: Window) -> bool:
    """Without cursors a partition holds all of a parent's rows: its size is the parent's count."""
    return window.after is None and window.before is None


@dataclass
class ChildPages:
    """Each parent's page of rows and, for windows without cursors, each parent's total count
    (parents without rows are absent from both: their page is empty, their count 0)."""

    rows: dict[int, list[Any]]
    totals: dict[int, int] | None


async def children_pages(
    session: AsyncSession, model: Any, parent_col: InstrumentedAttribute[Any], order: Sequence[OrderKey],
    where: Sequence[Any], parents: Collection[int], window: Window,
) -> ChildPages:
    """The window's page of `model` rows for each parent, in one statement; without cursors the
    same statement counts each parent's rows (a COUNT(*) OVER the partition), so a page's
    `totalCount` costs no second statement."""
    check_order(order)
    cached = children_statement(model, parent_col, order, where, window)
    if cached is None:
        stmt, params = _children_select(model, parent_col, order, where, set(parents), window, window.size + 1), {}
    else:
        stmt, params = cached[0], {**cached[1], "parents": list(set(parents))}
    found: dict[int, list[Any]] = {}
    if not _counted(window):
        for row in (await session.scalars(stmt, params)).all():
            found.setdefault(getattr(row, parent_col.key), []).append(row)
        return ChildPages(found, None)
    totals: dict[int, int] = {}
    for row, total in (await session.execute(stmt, params)).all():
        parent = getattr(row, parent_col.key)
        found.setdefault(parent, []).append(row)
        totals[parent] = int(total)
    return ChildPages(found, totals)


async def children_counts(
    session: AsyncSession, parent_col: InstrumentedAttribute[Any], where: Sequence[Any], parents: Collection[int],
) -> dict[Any, int]:
    """How many rows each parent has (parents without rows are absent)."""
    def build(parents: Any = None) -> Select[Any]:
        keys = bindparam("parents", expanding=True) if parents is None else parents
        return select(parent_col, func.count()).where(parent_col.in_(keys), *where).group_by(parent_col)

    criteria = where_key(where)
    if criteria is None:
        stmt, params = build(set(parents)), {}
    else:
        stmt, params = _COUNTS.get((parent_col.class_, parent_col.key, criteria), build), {"parents": list(set(parents))}
    return {p: int(n) for p, n in (await session.execute(stmt, params)).all()}
