"""Inputs and payloads of the webhook mutations."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.events.types import EventType
from schema.webhooks.types import Webhook, WebhookDelivery


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="https (http for loopback outside production only).")
    event_types: list[EventType] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="The types to deliver; empty: every type."
    )
    node_id: strawberry.ID | None = strawberry.field(default=None, description="Only this subtree's events.")
    secret: str | None = strawberry.field(default=None, description="whsec_<base64>; default: generated.")


@strawberry.input
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[EventType] | None = strawberry.UNSET  # type: ignore[valid-type]
    node_id: strawberry.ID | None = strawberry.UNSET
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false pauses deliveries; true re-enables a disabled webhook."
    )


@strawberry.input
class WebhookIdInput:
    id: strawberry.ID


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID
    secret: str | None = strawberry.field(default=None, description="Default: generated.")
    grace_period_hours: int = strawberry.field(default=24, description="How long the old secret still signs.")


@strawberry.input
class RedeliverInput:
    delivery_id: strawberry.ID


@strawberry.input
class ReplayWebhookInput:
    id: strawberry.ID
    after: str = strawberry.field(description="An event cursor: every later event is delivered again.")


@strawberry.type
class WebhookPayload:
    webhook: Webhook | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookSecretPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(default=None, description="The signing secret, shown only here.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
