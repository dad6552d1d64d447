"""Event: one entry of the tenant's event log, as a given viewer may see it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.common.viewer import Viewer
from resolvers.events.log import EVENT_TYPES, LogEntry, cursor_of, data_for
from schema.relay import NODE_FETCHERS, Node
from schema.tree.types import TierNode

EventType = strawberry.enum(  # type: ignore[misc]
    Enum("EventType", {t: t for t in EVENT_TYPES}), name="EventType"
)


@strawberry.type(name="Event")
class Event:
    entry: strawberry.Private[LogEntry]
    cursor: str = strawberry.field(
        description="The event's position in the tenant's log (grows only); pass as `after` to resume."
    )
    type: EventType  # type: ignore[valid-type]
    occurred_at: datetime
    viewer: strawberry.Private[Viewer]

    @classmethod
    def from_entry(cls, entry: LogEntry, viewer: Viewer) -> Event:
        ev = entry.event
        return cls(
            entry=entry, cursor=cursor_of(ev.seq), type=EventType[ev.type],  # type: ignore[index]
            occurred_at=ev.occurred_at, viewer=viewer,
        )

    @strawberry.field
    def data(self) -> JSON:
        # Masked when selected: once per audience for a subscription (schema/events/render.py).
        return data_for(self.viewer, self.entry.event.data or {})

    @strawberry.field(description="Where it happened; null for tenant-level events.")
    def node(self) -> TierNode | None:
        return TierNode.from_row(self.entry.node) if self.entry.node is not None else None

    @strawberry.field(description="What it happened to; null when gone or outside your scope.")
    async def subject(self, info: Info) -> Node | None:
        ev = self.entry.event
        if ev.subject_id is None or ev.subject_type not in NODE_FETCHERS:
            return None
        return await subject_loader(info, ev.subject_type).load(ev.subject_id)


def subject_loader(info: Info, type_name: str) -> DataLoader[int, Any]:
    """Subjects of one node type through the node registry, one fetch per batch."""
    ctx = info.context
    key = ("event_subject", type_name)
    loader = ctx.loaders.get(key)
    if loader is None:

        async def load(pks: list[int]) -> list[Any]:
            return await NODE_FETCHERS[type_name](info, list(pks))

        # Not ctx.loader(): the fetchers take the request session themselves.
        loader = ctx.loaders[key] = DataLoader(load_fn=load)
    return loader
