"""Query.events pages the log; Subscription.events replays it from a cursor, then streams it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from resolvers.common.errors import DomainError, ErrorCode
from resolvers.events.broker import SubscriberTooSlow
from resolvers.events.log import (
    EventFilter,
    count_log,
    cursor_of,
    event_filter,
    parse_cursor,
    read_log,
)
from resolvers.events.stream import EventStream
from schema.context import Context
from schema.errors import bad_input, forbidden, unauthenticated
from schema.events.types import Event, EventType
from schema.relay import Connection, Edge, PageInfo, decode_id, page_args


async def _filter(
    ctx: Context, types: list[EventType] | None, node_id: strawberry.ID | None,  # type: ignore[valid-type]
) -> EventFilter:
    if ctx.viewer is None:
        raise unauthenticated()
    pk = (decode_id(node_id, "TierNode") or -1) if node_id is not None else None
    try:
        async with ctx.read() as session:
            return await event_filter(
                session, ctx.viewer, node_id=pk, types=[t.value for t in types or ()]
            )
    except DomainError as exc:
        problem = exc.problems[0]
        raise (forbidden if problem.code is ErrorCode.FORBIDDEN else bad_input)(problem.message) from exc


def _after(after: str | None) -> int | None:
    try:
        return parse_cursor(after)
    except DomainError as exc:
        raise bad_input(str(exc)) from exc


@strawberry.type
class Query:
    @strawberry.field(description="The event log, oldest first: the same log the subscription streams.")
    async def events(
        self, info: Info, after: str | None = None, first: int | None = None,
        types: list[EventType] | None = None,  # type: ignore[valid-type]
        node_id: strawberry.ID | None = None,
    ) -> Connection[Event]:
        ctx = info.context
        args = page_args(first=first)
        flt = await _filter(ctx, types, node_id)
        after_seq = _after(after) or 0
        async with ctx.read() as session:
            entries = await read_log(session, after=after_seq, limit=args.size + 1, flt=flt)
        edges = [Edge(cursor=cursor_of(e.seq), node=Event.from_entry(e, ctx.viewer)) for e in entries[: args.size]]

        async def count() -> int:
            async with ctx.read() as session:
                return await count_log(session, flt)

        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(entries) > args.size, has_previous_page=after_seq > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            count=count,
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Events as they commit. With `after`, first every stored event after that "
        "cursor, in order, then live ones: nothing missed, nothing twice."
    )
    async def events(
        self, info: Info, after: str | None = None,
        types: list[EventType] | None = None,  # type: ignore[valid-type]
        node_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[Event, None]:
        ctx: Context = info.context
        flt = await _filter(ctx, types, node_id)
        viewer = ctx.viewer
        assert viewer is not None

        async def idle() -> None:
            # The connection lives long: no read snapshot (nor the connection it
            # holds) or loader cache outlives a burst of events.
            ctx.forget_reads()
            if not ctx.session.in_transaction():
                return  # the usual case, an event its audience executed elsewhere: no lock to take
            async with ctx.read() as session:
                if session.in_transaction():
                    await session.commit()

        stream = EventStream(ctx.app.broker, viewer.tenant_id, flt, _after(after), on_idle=idle)
        await idle()
        try:
            async for entry in stream:
                yield Event.from_entry(entry, viewer)
        except SubscriberTooSlow:
            cursor = cursor_of(stream.seen or 0)
            raise GraphQLError(
                f"subscriber too slow: resume with after={cursor}",
                extensions={"code": "SUBSCRIBER_TOO_SLOW", "resumeAfter": cursor},
            ) from None

