"""Reading the audit trail: admins and managers, confined to their subtree."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.core import AuditEntry
from db.models.tree import TierNode, in_subtree
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer


def at_root(viewer: Viewer) -> bool:
    """Scoped to the tenant's root: sees rows that belong to no node (tenant-wide settings)."""
    return viewer.scope_path.count("/") == 2


def visible_entries(viewer: Viewer, *, entity: tuple[str, int] | None = None) -> Select[tuple[AuditEntry]]:
    """Audit rows the viewer may read: those of entities whose node lies in their subtree.

    A row follows the node its entity belonged to when it was written; rows of
    tenant-wide entities (no node) are visible only from the root.
    """
    require(viewer, "audit.read")
    stmt = select(AuditEntry)
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity_type == entity[0], AuditEntry.entity_id == entity[1])
    if not at_root(viewer):
        subtree = select(TierNode.id).where(in_subtree(TierNode.path, viewer.scope_path))
        stmt = stmt.where(AuditEntry.node_id.in_(subtree))
    return stmt


async def visible_entries_by_id(session: AsyncSession, viewer: Viewer, ids: Sequence[int]) -> list[AuditEntry | None]:
    """The rows of these ids the viewer may read, in their order (None elsewhere); one query."""
    stmt = visible_entries(viewer).where(AuditEntry.id.in_(set(ids)))
    found = {r.id: r for r in (await session.scalars(stmt)).all()}
    return [found.get(i) for i in ids]
