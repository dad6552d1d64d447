"""Webhook and WebhookDelivery as integrators see them (never the secret, except once in a payload)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import tree as tm
from db.models import webhooks as m
from db.models.core import Role
from resolvers.events.log import cursor_of
from resolvers.webhooks import service
from schema.events.types import EventType
from schema.loading import by_id
from schema.relay import Connection, Node, page_args, paginate, to_global_id
from schema.tree.types import TierNode

WebhookState = strawberry.enum(m.WebhookState, name="WebhookState")
DeliveryStatus = strawberry.enum(m.DeliveryStatus, name="WebhookDeliveryStatus")


@strawberry.type(name="WebhookDelivery", description="One event sent (or being sent) to a webhook.")
class WebhookDelivery(Node):
    id: strawberry.ID
    event_cursor: str = strawberry.field(description="The event's cursor in the log.")
    webhook_message_id: str = strawberry.field(description="The webhook-id header: the receiver's dedupe key.")
    redelivery: bool = strawberry.field(description="Made by redeliver(), outside the in-order stream.")
    status: DeliveryStatus  # type: ignore[valid-type]
    attempt: int = strawberry.field(description="Attempts made so far.")
    status_code: int | None
    latency_ms: int | None
    error: str | None
    next_retry_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: m.WebhookDelivery) -> WebhookDelivery:
        from resolvers.webhooks.worker import message_id

        return cls(
            id=to_global_id("WebhookDelivery", row.id), event_cursor=cursor_of(row.event_seq),
            webhook_message_id=message_id(row.event_id), redelivery=row.manual, status=row.status,
            attempt=row.attempt, status_code=row.status_code, latency_ms=row.latency_ms, error=row.error,
            next_retry_at=row.next_retry_at if row.status is m.DeliveryStatus.PENDING else None,
            created_at=row.created_at, delivered_at=row.delivered_at,
        )


@strawberry.type(name="Webhook", description="An HTTP callback receiving the owner's events, signed.")
class Webhook(Node):
    row: strawberry.Private[m.Webhook]
    id: strawberry.ID
    url: str
    event_types: list[EventType] = strawberry.field(  # type: ignore[valid-type]
        description="The types delivered; empty: every type."
    )
    state: WebhookState  # type: ignore[valid-type]
    failing_since: datetime | None
    created_at: datetime
    cursor: str = strawberry.field(description="The last event handled in order; replayWebhook moves it back.")
    previous_secret_valid_until: datetime | None = strawberry.field(
        description="After rotateWebhookSecret, until when the old secret still signs."
    )

    @classmethod
    def from_row(cls, row: m.Webhook) -> Webhook:
        return cls(
            row=row, id=to_global_id("Webhook", row.id), url=row.url,
            event_types=[EventType[t] for t in row.event_types],  # type: ignore[index]
            state=row.state, failing_since=row.failing_since, created_at=row.created_at,
            cursor=cursor_of(row.cursor),
            previous_secret_valid_until=row.previous_secret_expires_at if row.previous_secret else None,
        )

    @strawberry.field(description="The subtree delivered; null: the owner's whole scope.")
    async def node(self, info: Info) -> TierNode | None:
        if self.row.node_id is None:
            return None
        node = await by_id(info.context, tm.TierNode).load(self.row.node_id)
        return TierNode.from_row(node) if node is not None else None

    @strawberry.field(description="Deliveries, newest first.")
    async def deliveries(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
    ) -> Connection[WebhookDelivery]:
        args = page_args(first, after, last, before)
        return await paginate(info.context, service.deliveries_statement(self.row.id),
                              order=[(m.WebhookDelivery.id, True)], args=args, convert=WebhookDelivery.from_row)


def _may_see(viewer: Any, owner_id: int) -> bool:
    return viewer is not None and (viewer.role is Role.ADMIN or (
        viewer.role is Role.INTEGRATOR and viewer.staff_id == owner_id))


async def fetch_webhooks(info: Info, pks: list[int]) -> list[Any]:
    viewer = info.context.viewer
    rows = await by_id(info.context, m.Webhook).load_many(pks)
    return [Webhook.from_row(r) if r is not None and _may_see(viewer, r.owner_id) else None for r in rows]


async def fetch_deliveries(info: Info, pks: list[int]) -> list[Any]:
    viewer = info.context.viewer
    rows = await by_id(info.context, m.WebhookDelivery).load_many(pks)
    hooks = await by_id(info.context, m.Webhook).load_many([r.webhook_id if r else 0 for r in rows])
    return [
        WebhookDelivery.from_row(r) if r is not None and h is not None and _may_see(viewer, h.owner_id) else None
        for r, h in zip(rows, hooks, strict=True)
    ]
