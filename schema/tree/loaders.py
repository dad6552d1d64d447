"""Batched loading for tier nodes: ancestors, subtree pages, rollups (one statement per batch).

The subtree queries are resolvers.tree.queries'; a caller hands its `base` statement factory
(from its domain's resolvers) through `subtree_pages` to them, so this module batches only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from db.models import tree as m
from db.session import DbSession
from resolvers.common.paging import OrderKey
from resolvers.tree import queries, rollups
from resolvers.tree.queries import SubtreeBase
from schema.loading import by_id
from schema.relay import Connection, PageArgs, build_connection, window

T = TypeVar("T")
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
    """

    async def load_pages(session: DbSession, keys: Sequence[tuple[int, Any, PageArgs]]) -> list[Any]:
        groups: dict[tuple[Any, PageArgs], list[int]] = defaultdict(list)
        for root_id, options, args in keys:
            groups[(options, args)].append(root_id)
        found: dict[tuple[int, Any, PageArgs], list[Any]] = {}
        for (options, args), roots in groups.items():
            pages = await queries.subtree_pages(
                session, model, order, base, options, roots, window(args, order)
            )
            found.update(((root_id, options, args), rows) for root_id, rows in pages.items())
        return [found.get(k, []) for k in keys]

    async def load_counts(session: DbSession, keys: Sequence[tuple[int, Any]]) -> list[int]:
        groups: dict[Any, list[int]] = defaultdict(list)
        for root_id, options in keys:
            groups[options].append(root_id)
        counts: dict[tuple[int, Any], int] = {}
        for options, roots in groups.items():
            found = await queries.subtree_counts(session, base, options, roots)
            counts.update(((root_id, options), n) for root_id, n in found.items())
        return [counts.get(k, 0) for k in keys]

    rows_loader = ctx.loader(("subtree_pages", name), load_pages)
    count_loader = ctx.loader(("subtree_counts", name), load_counts)

    async def load(root_id: int, options: Any, args: PageArgs, convert: Callable[[Any], T]) -> Connection[T]:
        rows = await rows_loader.load((root_id, options, args))

        async def count() -> int:
            return await count_loader.load((root_id, options))

        return build_connection(rows, args, order, convert, count)

    return load


async def rollup(ctx: Any, row: m.TierNode, start: datetime | None, end: datetime | None) -> dict[str, int]:
    """The node's subtree rollup; every rollup of the request shares one statement."""

    async def load(session: DbSession, keys: Sequence[tuple[int, str, Any, Any]]) -> list[dict[str, int]]:
        scopes = [rollups.RollupScope(tenant_id=t, path=p, start=s, end=e) for t, p, s, e in keys]
        return await rollups.compute(session, scopes)

    return await ctx.loader("rollup", load).load((row.tenant_id, row.path, start, end))
