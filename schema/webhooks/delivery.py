"""What a webhook receives, and the worker started with the server.

The body follows Standard Webhooks' envelope ({type, timestamp, data}); `data`
is the `events` subscription's Event for the webhook's owner (data masked the
same way, through data_for), with node and subject as global ids.
"""

from __future__ import annotations

from typing import Any

from resolvers.common.viewer import Viewer
from resolvers.events.log import LogEntry, data_for
from resolvers.webhooks.worker import WebhookWorker
from schema.events.types import Event
from schema.relay import to_global_id


def render(entry: LogEntry, viewer: Viewer) -> dict[str, Any]:
    event = Event.from_entry(entry, viewer)
    row = entry.event
    subject = (
        {"__typename": row.subject_type, "id": to_global_id(row.subject_type, row.subject_id)}
        if row.subject_type and row.subject_id is not None else None
    )
    node = {"id": to_global_id("TierNode", entry.node.id), "code": entry.node.code} if entry.node else None
    return {
        "type": row.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "cursor": event.cursor, "type": row.type, "occurredAt": event.occurred_at.isoformat(),
            "data": data_for(viewer, row.data or {}), "node": node, "subject": subject,
        },
    }


def start_worker(state: Any) -> WebhookWorker | None:
    """The delivery worker of a server process (CANOPY_WEBHOOK_WORKER=0 turns it off)."""
    if not state.settings.webhook_worker:
        return None
    return WebhookWorker(state.db, render=render, production=state.settings.production).start()
