"""Read queries over the tree: rows attached to many subtree roots, paged per root in one statement."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import tree as m
from resolvers.common.paging import OrderKey, Window, bounded, ordered

# base(subtree_root_alias, options): the rows attached to each root, before paging.
SubtreeBase = Callable[[Any, Any], Select[Any]]


def _root() -> Any:
    return aliased(m.TierNode, name="subtree_root")


async def subtree_pages(
    session: AsyncSession, model: Any, order: Sequence[OrderKey], base: SubtreeBase, options: Any,
    roots: Collection[int], window: Window,
) -> dict[int, list[Any]]:
    """The window's page of `base` rows for each root: the first rows of its partition, as in
    paging.children_pages, but membership is a join (a path range), not a column equality."""
    root = _root()
    stmt = bounded(base(root, options).where(root.id.in_(set(roots))), order, window)
    rn = func.row_number().over(
        partition_by=root.id, order_by=ordered(order, reverse=window.backwards)
    ).label("rn")
    sub = stmt.add_columns(root.id.label("subtree_root_id"), rn).subquery()
    stmt = (
        select(aliased(model, sub), sub.c.subtree_root_id)
        .where(sub.c.rn <= window.size + 1)
        .order_by(sub.c.subtree_root_id, sub.c.rn)
    )
    found: dict[int, list[Any]] = {}
    for row, root_id in (await session.execute(stmt)).all():
        found.setdefault(root_id, []).append(row)
    return found


async def subtree_counts(
    session: AsyncSession, base: SubtreeBase, options: Any, roots: Collection[int],
) -> dict[int, int]:
    """How many `base` rows each root has (roots without rows are absent)."""
    root = _root()
    stmt = base(root, options).where(root.id.in_(set(roots)))
    stmt = stmt.with_only_columns(root.id, func.count()).group_by(root.id)
    return {root_id: int(n) for root_id, n in (await session.execute(stmt)).all()}


def descendants_base(root: Any, max_depth: int | None) -> Select[Any]:
    """TierNode.descendants: the nodes below `root`, down to `max_depth` levels."""
    stmt = (
        select(m.TierNode).select_from(m.TierNode)
        .join(root, m.in_subtree_of(m.TierNode.path, root.path))
        .where(m.TierNode.id != root.id)
    )
    return stmt if max_depth is None else stmt.where(m.TierNode.depth <= root.depth + max_depth)
