"""Customer.timeline: orders, tickets, interactions, points entries, tier changes and
opportunities merged newest first, in a constant number of statements."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from db.models import membership as mm
from db.models import orders as om
from db.models import service as sm
from db.session import DbSession
from resolvers.common.permissions import can
from resolvers.customers.timeline import Cursor, timeline_counts, timeline_pages
from schema.errors import bad_input, forbidden
from schema.loading import by_id
from schema.membership.types import PointsEntry, TierChange
from schema.orders.types import Order
from schema.pipeline.types import Opportunity, fetch_opportunities
from schema.relay import Connection, Edge, PageArgs, PageInfo, decode_cursor, encode_cursor
from schema.service.types import Interaction, Ticket

TimelineEntry = Annotated[
    Order | Ticket | Interaction | PointsEntry | TierChange | Opportunity, strawberry.union("TimelineEntry")
]

# kind -> (info, ids) -> the GraphQL objects of those ids (None where gone); one batch per kind.
EntryLoader = Callable[[Info, list[int]], Awaitable[list[Any]]]
ENTRY_LOADERS: dict[str, EntryLoader] = {}


def register_entry_loader(kind: str, load: EntryLoader) -> None:
    ENTRY_LOADERS[kind] = load


def _rows_as(model: Any, convert: Callable[[Any], Any]) -> EntryLoader:
    async def load(info: Info, ids: list[int]) -> list[Any]:
        rows = await by_id(info.context, model).load_many(ids)
        return [convert(r) if r is not None else None for r in rows]

    return load


register_entry_loader("Order", _rows_as(om.Order, Order.from_row))
register_entry_loader("Ticket", _rows_as(sm.Ticket, Ticket.from_row))
register_entry_loader("Interaction", _rows_as(sm.Interaction, Interaction.from_row))
register_entry_loader("PointsEntry", _rows_as(mm.PointsEntry, PointsEntry.from_row))
register_entry_loader("TierChange", _rows_as(mm.TierChange, TierChange.from_row))
register_entry_loader("Opportunity", fetch_opportunities)


@strawberry.type(name="TimelineConnection")
class TimelineConnection(Connection[TimelineEntry]):  # type: ignore[misc, valid-type]
    """Connection[TimelineEntry] under the contract's name."""


def _cursor(after: str | None) -> Cursor | None:
    if after is None:
        return None
    at, kind, entry_id = decode_cursor(after, 3, (datetime, str, int))
    if not (isinstance(at, datetime) and at.tzinfo and kind in ENTRY_LOADERS and isinstance(entry_id, int)):
        raise bad_input("malformed cursor")
    return at, kind, entry_id


async def customer_timeline(info: Info, customer_id: int, args: PageArgs) -> TimelineConnection:
    """One UNION ALL for the page (shared by every customer of a list), one load per kind."""
    ctx = info.context
    if not can(ctx.viewer, "customer.read"):
        raise forbidden("this role may not read customers")
    if args.backwards:
        raise bad_input("the timeline pages forwards only: use first/after")
    size, after = args.size, _cursor(args.after)

    async def pages(session: DbSession, customers: Sequence[int]) -> list[Any]:
        found = await timeline_pages(session, ctx.viewer, customers, size, after)
        return [found[c] for c in customers]

    async def counts(session: DbSession, customers: Sequence[int]) -> list[int]:
        return await timeline_counts(session, ctx.viewer, customers)

    entries = await ctx.loader(("timeline", size, after), pages).load(customer_id)
    more = len(entries) > size
    entries = entries[:size]
    by_kind: dict[str, list[int]] = {}
    for e in entries:
        by_kind.setdefault(e.kind, []).append(e.id)
    batches = await asyncio.gather(*(ENTRY_LOADERS[kind](info, ids) for kind, ids in by_kind.items()))
    loaded = {
        (kind, entry_id): obj
        for (kind, ids), objs in zip(by_kind.items(), batches, strict=True)
        for entry_id, obj in zip(ids, objs, strict=True)
    }
    edges = [
        Edge(cursor=encode_cursor(list(e.cursor)), node=loaded[(e.kind, e.id)])
        for e in entries if loaded.get((e.kind, e.id)) is not None
    ]
    count_loader = ctx.loader("timeline_counts", counts)

    async def total() -> int:
        return await count_loader.load(customer_id)

    return TimelineConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None, end_cursor=edges[-1].cursor if edges else None,
        ),
        count=total,
    )
