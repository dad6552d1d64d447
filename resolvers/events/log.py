"""The event log read side: who sees which event, pages of the log, retention."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.core import Event, Tenant
from db.models.tree import TierNode, in_subtree
from resolvers.common import pii
from resolvers.common.errors import invalid, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer

# The contract's EventType; a domain that emits a new type adds it here.
EVENT_TYPES = (
    "CUSTOMER_CREATED", "CUSTOMER_UPDATED", "CUSTOMER_ERASED", "CUSTOMER_MERGED",
    "ORDER_PLACED", "ORDER_PAID", "ORDER_FULFILLED", "ORDER_CANCELLED", "ORDER_REFUNDED",
    "POINTS_CHANGED", "TIER_CHANGED", "COUPON_ISSUED", "COUPON_REDEEMED",
    "TICKET_OPENED", "TICKET_UPDATED", "INTERACTION_LOGGED", "TIER_NODE_CHANGED",
    "OPPORTUNITY_CREATED", "OPPORTUNITY_STAGE_CHANGED", "OPPORTUNITY_WON", "OPPORTUNITY_LOST",
    "WEBHOOK_DISABLED",
    "CONSENT_CHANGED", "SEGMENT_CREATED", "SEGMENT_UPDATED", "SEGMENT_DELETED",
    "CAMPAIGN_CREATED", "CAMPAIGN_LAUNCHED", "CAMPAIGN_CANCELLED", "MESSAGE_SENT",
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One committed event with the tier node it happened at (None: tenant-level)."""

    event: Event
    node: TierNode | None

    @property
    def seq(self) -> int:
        return self.event.seq

    @property
    def path(self) -> str | None:
        return self.node.path if self.node is not None else None


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What one reader may and wants to see: scope, subtree, types.

    Tenant-level events (no node, or a node deleted since) belong to the whole
    organisation, so only viewers scoped to the root see them, and only
    without a `nodeId` filter.
    """

    scope_path: str
    node_path: str | None = None
    types: frozenset[str] | None = None

    @property
    def sees_tenant_level(self) -> bool:
        return self.node_path is None and self.scope_path.count("/") == 2

    def matches(self, entry: LogEntry) -> bool:
        if self.types is not None and entry.event.type not in self.types:
            return False
        path = entry.path
        if path is None:
            return self.sees_tenant_level
        return path.startswith(self.node_path or self.scope_path)

    def where(self) -> Any:
        """The same test as `matches`, as SQL over Event joined to TierNode."""
        conds: list[Any] = []
        if self.types is not None:
            conds.append(Event.type.in_(sorted(self.types)))
        in_tree = in_subtree(TierNode.path, self.node_path or self.scope_path)
        conds.append(or_(in_tree, TierNode.id.is_(None)) if self.sees_tenant_level else in_tree)
        return and_(*conds)


MAX_SEQ = 2**63 - 1


def parse_cursor(cursor: str | None) -> int | None:
    """An event cursor is the event's position in its tenant's log, in decimal."""
    if cursor is None:
        return None
    # ASCII digits only (str.isdigit also takes "²", which int() refuses) and within the BIGINT
    # seq column: a larger number faulted in the driver (INTERNAL) on both databases.
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 19 or int(cursor) > MAX_SEQ:
        raise invalid("malformed event cursor", "after")
    return int(cursor)


def cursor_of(seq: int) -> str:
    return str(seq)


async def event_filter(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None = None,
    types: Sequence[str] | None = None,
) -> EventFilter:
    """Check the role and resolve the optional subtree for one reader."""
    require(viewer, "event.read")
    node_path = None
    if node_id is not None:
        node = await session.get(TierNode, (viewer.tenant_id, node_id))
        if node is None or not viewer.in_scope(node.path):
            raise not_found("tier node", "nodeId")
        node_path = node.path
    return EventFilter(
        scope_path=viewer.scope_path, node_path=node_path,
        types=frozenset(types) if types else None,
    )


def _log_statement(flt: EventFilter | None) -> Any:
    node_join = and_(TierNode.tenant_id == Event.tenant_id, TierNode.id == Event.node_id)
    stmt = select(Event, TierNode).outerjoin(TierNode, node_join)
    return stmt.where(flt.where()) if flt is not None else stmt


async def read_log(
    session: AsyncSession, *, after: int, limit: int, flt: EventFilter | None = None,
    upto: int | None = None,
) -> list[LogEntry]:
    """Up to `limit` events of the session's tenant with seq > after (<= upto), in order."""
    stmt = _log_statement(flt).where(Event.seq > after)
    if upto is not None:
        stmt = stmt.where(Event.seq <= upto)
    rows = (await session.execute(stmt.order_by(Event.seq).limit(limit))).all()
    return [LogEntry(event, node) for event, node in rows]


async def count_log(session: AsyncSession, flt: EventFilter) -> int:
    stmt = _log_statement(flt).with_only_columns(func.count())
    return int(await session.scalar(stmt) or 0)


async def heads(session: AsyncSession, tenant_ids: Sequence[int]) -> dict[int, int]:
    """The last committed cursor of each tenant (its counter moves in the event's commit)."""
    if not tenant_ids:
        return {}
    rows = await session.execute(select(Tenant.id, Tenant.event_seq).where(Tenant.id.in_(tenant_ids)))
    return {tid: int(seq or 0) for tid, seq in rows.all()}


def data_for(viewer: Viewer, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as this viewer may see it: PII masked as in queries."""
    return pii.mask_payload(viewer, data)


async def prune(session: AsyncSession, *, retention_days: int, now: datetime | None = None) -> int:
    """Delete events older than the retention, across tenants (an all-tenants session)."""
    if retention_days < 0:
        raise invalid("retention must be zero or more days", "retentionDays")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = await session.execute(
        delete(Event).where(Event.occurred_at < cutoff).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
