"""Root fields of marketing: segments (and campaigns)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from db.models import marketing as m
from db.models import tree as tm
from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from resolvers.marketing import segments as service
from schema.errors import forbidden, unauthenticated
from schema.loading import by_id
from schema.marketing import campaign_fields
from schema.marketing.inputs import (
    CreateSegmentInput,
    DeleteSegmentInput,
    DeleteSegmentPayload,
    SegmentPayload,
    UpdateSegmentInput,
    rule_dict,
)
from schema.marketing.types import Segment, fetch_segments
from schema.mutation import run_mutation
from schema.relay import Connection, decode_id, page_args, paginate, register_node

register_node(Segment, fetch_segments)
SEGMENT_ORDER = [(m.Segment.created_at, True), (m.Segment.id, True)]


def _pk(gid: str | None, type_name: str) -> int:
    """A malformed id becomes 0, which no row has (NOT_FOUND)."""
    return (decode_id(gid, type_name) or 0) if gid is not None else 0


@strawberry.type
class SegmentQuery:
    @strawberry.field(description="Saved segments whose node lies in your scope (and under nodeId), newest first.")
    async def segments(
        self, info: Info, first: int | None = None, after: str | None = None, node_id: strawberry.ID | None = None,
    ) -> Connection[Segment]:
        ctx = info.context
        if ctx.viewer is None:
            raise unauthenticated()
        args = page_args(first, after)
        node = await by_id(ctx, tm.TierNode).load(_pk(node_id, "TierNode")) if node_id is not None else None
        try:
            stmt = service.segments_query(ctx.viewer, node.path if node else None, nothing=node_id is not None and node is None)
        except DomainError as exc:
            raise forbidden(str(exc)) from exc
        return await paginate(ctx, stmt, order=SEGMENT_ORDER, args=args, convert=Segment.from_row)


@strawberry.type
class SegmentMutation:
    @strawberry.mutation(description="A saved segment: a rule over the customers of a node's subtree.")
    async def create_segment(self, info: Info, input: CreateSegmentInput) -> SegmentPayload:
        rule = rule_dict(input.rule)

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.create_segment(
                session, viewer, name=input.name, node_id=_pk(input.node_id, "TierNode"), rule=rule,
            )

        row, errors = await run_mutation(info, "createSegment", run)
        return SegmentPayload(segment=Segment.from_row(row) if row else None, errors=errors)

    @strawberry.mutation
    async def update_segment(self, info: Info, input: UpdateSegmentInput) -> SegmentPayload:
        changes: dict[str, Any] = {}
        if input.name is not strawberry.UNSET:
            changes["name"] = input.name
        if input.node_id is not strawberry.UNSET and input.node_id is not None:
            changes["node_id"] = _pk(input.node_id, "TierNode")
        if input.rule is not strawberry.UNSET and input.rule is not None:
            changes["rule"] = rule_dict(input.rule)

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.update_segment(session, viewer, segment_id=_pk(input.id, "Segment"), changes=changes)

        row, errors = await run_mutation(info, "updateSegment", run)
        return SegmentPayload(segment=Segment.from_row(row) if row else None, errors=errors)

    @strawberry.mutation
    async def delete_segment(self, info: Info, input: DeleteSegmentInput) -> DeleteSegmentPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.delete_segment(session, viewer, segment_id=_pk(input.id, "Segment"))

        result, errors = await run_mutation(info, "deleteSegment", run)
        return DeleteSegmentPayload(deleted_id=input.id if result is not None else None, errors=errors)


Query = merge_types("MarketingQuery", (SegmentQuery, campaign_fields.Query))
Mutation = merge_types("MarketingMutation", (SegmentMutation, campaign_fields.Mutation))
