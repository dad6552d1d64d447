"""TierNode: a node of the organisation tree."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.models import tree as m
from schema.loading import by_id
from schema.relay import Node, to_global_id


@strawberry.type(name="TierNode")
class TierNode(Node):
    row: strawberry.Private[m.TierNode]
    id: strawberry.ID
    code: str
    name: str
    kind: str
    depth: int

    @classmethod
    def from_row(cls, row: m.TierNode) -> TierNode:
        return cls(
            row=row, id=to_global_id("TierNode", row.id), code=row.code, name=row.name,
            kind=row.kind, depth=row.depth,
        )

    @strawberry.field
    async def parent(self, info: Info) -> TierNode | None:
        if self.row.parent_id is None:
            return None
        row = await by_id(info.context, m.TierNode).load(self.row.parent_id)
        return TierNode.from_row(row) if row else None


async def load_tier_node(info: Info, node_id: int) -> TierNode | None:
    row = await by_id(info.context, m.TierNode).load(node_id)
    return TierNode.from_row(row) if row is not None else None


async def fetch_tier_nodes(info: Info, pks: list[int]) -> list[Any]:
    viewer = info.context.viewer
    rows = await by_id(info.context, m.TierNode).load_many(pks)
    return [TierNode.from_row(r) if r is not None and viewer.in_scope(r.path) else None for r in rows]
