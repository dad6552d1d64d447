"""AuditEntry: one changed entity of one mutation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import core as m
from resolvers.common.permissions import can
from resolvers.security.audit_log import visible_entries_by_id
from schema.core.types import Staff, fetch_staff
from schema.relay import Node, to_global_id


@strawberry.type(name="AuditEntry")
class AuditEntry(Node):
    row: strawberry.Private[m.AuditEntry]
    id: strawberry.ID
    operation: str = strawberry.field(description="The mutation's name.")
    entity_id: strawberry.ID | None
    changes: JSON = strawberry.field(description="{ field: [before, after] }; secrets are masked.")
    request_id: str | None
    at: datetime

    @classmethod
    def from_row(cls, row: m.AuditEntry) -> AuditEntry:
        entity = to_global_id(row.entity_type, row.entity_id) if row.entity_type and row.entity_id else None
        return cls(
            row=row, id=to_global_id("AuditEntry", row.id), operation=row.operation,
            entity_id=entity, changes=row.changes or {}, request_id=row.request_id, at=row.at,
        )

    @strawberry.field(description="Who did it; null for system jobs or staff outside your scope.")
    async def actor(self, info: Info) -> Staff | None:
        if self.row.actor_id is None:
            return None
        return (await fetch_staff(info, [self.row.actor_id]))[0]


async def fetch_audit_entries(info: Info, pks: list[int]) -> list[Any]:
    viewer = info.context.viewer
    if not can(viewer, "audit.read"):
        return [None] * len(pks)

    async def load(session: Any, ids: Any) -> list[Any]:
        return await visible_entries_by_id(session, viewer, ids)

    rows = await info.context.loader("audit_entries_visible", load).load_many(pks)
    return [AuditEntry.from_row(r) if r is not None else None for r in rows]

