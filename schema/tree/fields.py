"""Root fields and mutations of the tier tree."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.common.viewer import Viewer
from resolvers.tree import nodes as tree
from schema.mutation import run_mutation
from schema.relay import decode_id, to_global_id
from schema.tree.inputs import (
    CreateTierNodeInput,
    DeleteTierNodeInput,
    DeleteTierNodePayload,
    MoveTierNodeInput,
    TierNodePayload,
    UpdateTierNodeInput,
)
from schema.tree.types import TierNode, load_tier_node


@strawberry.type
class Query:
    @strawberry.field(description="The root of the caller's scope.")
    async def tier_tree(self, info: Info) -> TierNode:
        node = await load_tier_node(info, info.context.viewer.scope_node_id)
        assert node is not None
        return node


def _payload(row: Any, errors: list[Any]) -> TierNodePayload:
    return TierNodePayload(tier_node=TierNode.from_row(row) if row is not None else None, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A node under parentId; its settings override the inherited ones.")
    async def create_tier_node(self, info: Info, input: CreateTierNodeInput) -> TierNodePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tree.create_tier_node(
                session, viewer, parent_id=decode_id(input.parent_id, "TierNode"), code=input.code,
                name=input.name, kind=input.kind,
                settings=input.settings.values() if input.settings else {},
            )

        return _payload(*await run_mutation(info, "createTierNode", service))

    @strawberry.mutation
    async def update_tier_node(self, info: Info, input: UpdateTierNodeInput) -> TierNodePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tree.update_tier_node(
                session, viewer, node_id=decode_id(input.id, "TierNode"), name=input.name,
                kind=input.kind, settings=input.settings.values() if input.settings else {},
            )

        return _payload(*await run_mutation(info, "updateTierNode", service))

    @strawberry.mutation(description="Re-parent a node with its whole subtree; under its own descendant: CONFLICT.")
    async def move_tier_node(self, info: Info, input: MoveTierNodeInput) -> TierNodePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tree.move_tier_node(
                session, viewer, node_id=decode_id(input.id, "TierNode"),
                new_parent_id=decode_id(input.new_parent_id, "TierNode"),
            )

        return _payload(*await run_mutation(info, "moveTierNode", service))

    @strawberry.mutation(description="Delete a node without children, customers or staff.")
    async def delete_tier_node(self, info: Info, input: DeleteTierNodeInput) -> DeleteTierNodePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tree.delete_tier_node(session, viewer, node_id=decode_id(input.id, "TierNode"))

        deleted, errors = await run_mutation(info, "deleteTierNode", service)
        return DeleteTierNodePayload(
            deleted_tier_node_id=to_global_id("TierNode", deleted) if deleted else None, errors=errors
        )
