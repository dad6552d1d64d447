"""The interaction log: calls, visits, messages, emails and notes with a customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db import outbox
from db.base import utcnow
from db.models.service import Interaction, InteractionKind
from resolvers.common.errors import invalid
from resolvers.common.permissions import require
from resolvers.common.timestamps import check_past
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import customer_in_scope

# Where an interaction was logged; the bots pass "telegram" or "console".
CHANNELS = frozenset({"web", "telegram", "console", "api", "phone", "email", "store"})


async def log_interaction(
    session: AsyncSession, viewer: Viewer, *, customer_id: int, kind: InteractionKind,
    summary: str, channel: str = "api", occurred_at: datetime | None = None,
) -> Interaction:
    """Record that the viewer dealt with the customer (GraphQL and the bots call this)."""
    require(viewer, "interaction.write")
    channel = channel.strip().lower()
    if channel not in CHANNELS:
        raise invalid(f"channel must be one of {', '.join(sorted(CHANNELS))}", "channel")
    summary = summary.strip()
    if not summary or len(summary) > 5000:
        raise invalid("summary must have 1 to 5000 characters", "summary")
    occurred_at = check_past(occurred_at, "occurredAt")
    now = utcnow()
    customer, _ = await customer_in_scope(session, viewer, customer_id, "customerId")
    row = Interaction(
        customer_id=customer.id, staff_id=viewer.staff_id, kind=kind, channel=channel,
        summary=summary, occurred_at=occurred_at or now, created_at=now,
    )
    session.add(row)
    await session.flush()
    outbox.emit(session, "INTERACTION_LOGGED", subject=row, node_id=customer.node_id,
                data={"kind": kind, "channel": channel, "occurredAt": row.occurred_at})
    return row
