"""Root fields of the tier tree."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.tree.types import TierNode, load_tier_node


@strawberry.type
class Query:
    @strawberry.field(description="The root of the caller's scope.")
    async def tier_tree(self, info: Info) -> TierNode:
        node = await load_tier_node(info, info.context.viewer.scope_node_id)
        assert node is not None
        return node


@strawberry.type
class Mutation:
    pass
