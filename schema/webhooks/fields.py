"""Root fields of webhooks: the caller's webhooks and the mutations that manage them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from resolvers.webhooks import service
from schema.errors import forbidden, unauthenticated
from schema.mutation import input_dict, run_mutation
from schema.relay import decode_id, register_node
from schema.webhooks.inputs import (
    CreateWebhookInput,
    DeleteWebhookPayload,
    RedeliverInput,
    ReplayWebhookInput,
    RotateWebhookSecretInput,
    UpdateWebhookInput,
    WebhookDeliveryPayload,
    WebhookIdInput,
    WebhookPayload,
    WebhookSecretPayload,
)
from schema.webhooks.types import Webhook, WebhookDelivery, fetch_deliveries, fetch_webhooks

register_node(Webhook, fetch_webhooks)
register_node(WebhookDelivery, fetch_deliveries)


def _pk(gid: str | None, type_name: str) -> int:
    """A malformed id becomes 0, which no row has (NOT_FOUND)."""
    return (decode_id(gid, type_name) or 0) if gid is not None else 0


def _production(info: Info) -> bool:
    return bool(info.context.settings.production)


@strawberry.type
class Query:
    @strawberry.field(description="Your webhooks (an ADMIN: all of the tenant's).")
    async def webhooks(self, info: Info) -> list[Webhook]:
        ctx = info.context
        if ctx.viewer is None:
            raise unauthenticated()
        try:
            async with ctx.read() as session:
                rows = await service.webhooks(session, ctx.viewer)
        except DomainError as exc:
            raise forbidden(str(exc)) from exc
        return [Webhook.from_row(r) for r in rows]


def _secret_payload(result: Any, errors: list[Any]) -> WebhookSecretPayload:
    if result is None:
        return WebhookSecretPayload(errors=errors)
    row, secret = result
    return WebhookSecretPayload(webhook=Webhook.from_row(row), secret=secret)


def _payload(row: Any, errors: list[Any]) -> WebhookPayload:
    return WebhookPayload(webhook=Webhook.from_row(row) if row is not None else None, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A webhook receiving your events from now on (ADMIN, INTEGRATOR).")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookSecretPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.create_webhook(
                session, viewer, url=input.url, event_types=[t.value for t in input.event_types],
                node_id=_pk(input.node_id, "TierNode") if input.node_id is not None else None,
                secret=input.secret, production=_production(info),
            )

        return _secret_payload(*await run_mutation(info, "createWebhook", run))

    @strawberry.mutation
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookPayload:
        changes = input_dict(input)
        changes.pop("id")
        if "event_types" in changes:
            changes["event_types"] = [t.value for t in changes["event_types"] or ()]
        if "node_id" in changes and changes["node_id"] is not None:
            changes["node_id"] = _pk(changes["node_id"], "TierNode")
        if changes.get("url", "") is None:
            changes.pop("url")

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.update_webhook(
                session, viewer, _pk(input.id, "Webhook"), changes=changes, production=_production(info)
            )

        return _payload(*await run_mutation(info, "updateWebhook", run))

    @strawberry.mutation
    async def delete_webhook(self, info: Info, input: WebhookIdInput) -> DeleteWebhookPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.delete_webhook(session, viewer, _pk(input.id, "Webhook"))

        result, errors = await run_mutation(info, "deleteWebhook", run)
        return DeleteWebhookPayload(deleted_id=input.id if result is not None else None, errors=errors)

    @strawberry.mutation(description="A new signing secret; the old one keeps signing for the grace period.")
    async def rotate_webhook_secret(self, info: Info, input: RotateWebhookSecretInput) -> WebhookSecretPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.rotate_secret(
                session, viewer, _pk(input.id, "Webhook"), secret=input.secret,
                grace=timedelta(hours=input.grace_period_hours),
            )

        return _secret_payload(*await run_mutation(info, "rotateWebhookSecret", run))

    @strawberry.mutation(description="Send a delivery's event again now (same webhook-id).")
    async def redeliver(self, info: Info, input: RedeliverInput) -> WebhookDeliveryPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.redeliver(session, viewer, _pk(input.delivery_id, "WebhookDelivery"))

        row, errors = await run_mutation(info, "redeliver", run)
        return WebhookDeliveryPayload(delivery=WebhookDelivery.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Deliver again, in order, every event after a cursor.")
    async def replay_webhook(self, info: Info, input: ReplayWebhookInput) -> WebhookPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.replay(session, viewer, _pk(input.id, "Webhook"), after=input.after)

        return _payload(*await run_mutation(info, "replayWebhook", run))
