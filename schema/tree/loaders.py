"""Batched loading for tier nodes: ancestors, subtree pages, rollups (one statement per batch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import tree as m
from resolvers.tree import rollups
from schema.loading import by_id
from schema.relay import Connection, OrderKey, PageArgs, build_connection, keyset, ordered

T = TypeVar("T")
# base(subtree_root_alias, options): the rows attached to each root, before paging.
SubtreeBase = Callable[[Any, Any], Select[Any]]
LoadPage = Callable[[int, Any, PageArgs, Callable[[Any], T]], Awaitable[Connection[T]]]


async def ancestors(ctx: Any, row: m.TierNode) -> list[m.TierNode]:
    """The node's ancestors that the viewer may see, root first; batched across nodes."""
    found = await by_id(ctx, m.TierNode).load_many(row.ancestor_ids())
    return [a for a in found if a is not None and ctx.viewer.in_scope(a.path)]


async def chain(ctx: Any, row: m.TierNode) -> list[m.TierNode]:
    """All ancestors (scope aside: settings inherit from above the viewer's scope) and the node."""
    found = await by_id(ctx, m.TierNode).load_many(row.ancestor_ids())
    return [*(a for a in found if a is not None), row]


def subtree_pages(
    ctx: Any, name: Hashable, model: Any, order: Sequence[OrderKey], base: SubtreeBase,
) -> LoadPage[T]:
    """Pages of rows attached to many subtree roots, one statement per distinct (options, args).

    Returns `load(root_id, options, args, convert)`; `options` (hashable) shape `base`.
    Each root's page is the first rows of its partition, as in relay.nested_pages,
    but membership is a join (a path range), not a column equality.
    """

    async def load_pages(session: AsyncSession, keys: Sequence[tuple[int, Any, PageArgs]]) -> list[Any]:
        groups: dict[tuple[Any, PageArgs], list[int]] = defaultdict(list)
        for root_id, options, args in keys:
            groups[(options, args)].append(root_id)
        found: dict[tuple[int, Any, PageArgs], list[Any]] = {}
        for (options, args), roots in groups.items():
            root = aliased(m.TierNode, name="subtree_root")
            stmt = base(root, options).where(root.id.in_(set(roots)))
            if args.after:
                stmt = stmt.where(keyset(order, args.after, after=True))
            if args.before:
                stmt = stmt.where(keyset(order, args.before, after=False))
            rn = func.row_number().over(
                partition_by=root.id, order_by=ordered(order, reverse=args.backwards)
            ).label("rn")
            sub = stmt.add_columns(root.id.label("subtree_root_id"), rn).subquery()
            stmt = (
                select(aliased(model, sub), sub.c.subtree_root_id)
                .where(sub.c.rn <= args.size + 1)
                .order_by(sub.c.subtree_root_id, sub.c.rn)
            )
            for row, root_id in (await session.execute(stmt)).all():
                found.setdefault((root_id, options, args), []).append(row)
        return [found.get(k, []) for k in keys]

    async def load_counts(session: AsyncSession, keys: Sequence[tuple[int, Any]]) -> list[int]:
        groups: dict[Any, list[int]] = defaultdict(list)
        for root_id, options in keys:
            groups[options].append(root_id)
        counts: dict[tuple[int, Any], int] = {}
        for options, roots in groups.items():
            root = aliased(m.TierNode, name="subtree_root")
            stmt = base(root, options).where(root.id.in_(set(roots)))
            stmt = stmt.with_only_columns(root.id, func.count()).group_by(root.id)
            for root_id, n in (await session.execute(stmt)).all():
                counts[(root_id, options)] = int(n)
        return [counts.get(k, 0) for k in keys]

    rows_loader = ctx.loader(("subtree_pages", name), load_pages)
    count_loader = ctx.loader(("subtree_counts", name), load_counts)

    async def load(root_id: int, options: Any, args: PageArgs, convert: Callable[[Any], T]) -> Connection[T]:
        rows = await rows_loader.load((root_id, options, args))

        async def count() -> int:
            return await count_loader.load((root_id, options))

        return build_connection(rows, args, order, convert, count)

    return load


def descendants_base(root: Any, max_depth: int | None) -> Select[Any]:
    stmt = (
        select(m.TierNode).select_from(m.TierNode)
        .join(root, m.in_subtree_of(m.TierNode.path, root.path))
        .where(m.TierNode.id != root.id)
    )
    return stmt if max_depth is None else stmt.where(m.TierNode.depth <= root.depth + max_depth)


async def rollup(ctx: Any, row: m.TierNode, start: datetime | None, end: datetime | None) -> dict[str, int]:
    """The node's subtree rollup; every rollup of the request shares one statement."""

    async def load(session: AsyncSession, keys: Sequence[tuple[int, str, Any, Any]]) -> list[dict[str, int]]:
        scopes = [rollups.RollupScope(tenant_id=t, path=p, start=s, end=e) for t, p, s, e in keys]
        return await rollups.compute(session, scopes)

    return await ctx.loader("rollup", load).load((row.tenant_id, row.path, start, end))
