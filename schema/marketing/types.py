"""Segment: a saved rule over the customers of a node's subtree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import marketing as m
from db.models import tree as tm
from resolvers.marketing import segments as service
from schema.customers.types import Customer, prefetch_page
from schema.loading import by_id
from schema.relay import Connection, Node, page_args, paginate, to_global_id
from schema.tree.types import TierNode


def public_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """The stored rule with global ids in place of primary keys."""
    out: dict[str, Any] = {}
    for key, value in rule.items():
        if key in ("and", "or"):
            out[key] = [public_rule(r) for r in value]
        elif key == "not":
            out[key] = public_rule(value)
        elif key == "subtree":
            out[key] = to_global_id("TierNode", value)
        elif key == "tiers":
            out["tierIds"] = [to_global_id("MembershipTier", t) for t in value]
        else:
            out[key] = value
    return out


@strawberry.type(name="Segment")
class Segment(Node):
    row: strawberry.Private[m.Segment]
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: m.Segment) -> Segment:
        return cls(row=row, id=to_global_id("Segment", row.id), name=row.name, created_at=row.created_at,
                   updated_at=row.updated_at)

    @strawberry.field(description="The rule as stored (docs/marketing.md), ids global.")
    def rule(self) -> JSON:
        return public_rule(self.row.rule)

    @strawberry.field
    async def node(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.node_id))

    @strawberry.field(description="Customers matching now, within your scope: counted in SQL.")
    async def size(self, info: Info) -> int:
        ctx = info.context

        async def load(session: Any, ids: Any) -> list[int | None]:
            return await service.segment_sizes(session, ctx.viewer, list(ids))

        return await ctx.loader("segment_sizes", load).load(self.row.id) or 0

    @strawberry.field(description="The matching customers, newest first.")
    async def customers(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Customer]:
        from schema.customers.fields import DEFAULT_ORDER, order_keys

        ctx = info.context
        args = page_args(first, after)
        async with ctx.read() as session:
            segment, node = await service.segment_in_scope(session, ctx.viewer, self.row.id)
            stmt = await service.audience_query(session, ctx.viewer, segment, node)
        page = await paginate(ctx, stmt, order=order_keys(DEFAULT_ORDER), args=args, convert=Customer.from_row)
        await prefetch_page(info, page.nodes)
        return page


async def fetch_segments(info: Info, pks: list[int]) -> list[Any]:
    """Segments by id, None where unknown or whose node lies outside the viewer's scope."""
    ctx = info.context
    from resolvers.common.permissions import can

    if not can(ctx.viewer, "segment.read"):
        return [None] * len(pks)
    rows = await by_id(ctx, m.Segment).load_many(pks)
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [Segment.from_row(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
            for r, n in zip(rows, nodes, strict=True)]

