"""Webhook use cases: register, change, remove, rotate the secret, redeliver, replay.

Who: ADMIN and INTEGRATOR (both may read events). An INTEGRATOR sees and
manages the webhooks they own; an ADMIN all of the tenant's. Any other
webhook answers as one that does not exist. Every change is audited by the
unit of work (the secrets as ***).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.core import Role
from db.models.tree import TierNode
from db.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookState
from resolvers.common.errors import DomainError, ErrorCode, invalid, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.events.log import EVENT_TYPES, heads, parse_cursor
from resolvers.webhooks import urls

SECRET_PREFIX = "whsec_"
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=7)
_ROLES = frozenset({Role.ADMIN, Role.INTEGRATOR})


def _require(viewer: Viewer) -> None:
    require(viewer, "event.read")
    if viewer.role not in _ROLES:
        raise DomainError(ErrorCode.FORBIDDEN, f"role {viewer.role.value} may not manage webhooks")


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(24)).decode()


def _checked_secret(secret: str | None) -> str:
    if secret is None:
        return new_secret()
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        raise invalid("secret must be whsec_ followed by 24 to 64 bytes in base64", "secret")
    return secret


def _types(event_types: Sequence[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise invalid(f"unknown event types: {', '.join(unknown)}", "eventTypes")
    return sorted(set(event_types))


async def _node(session: AsyncSession, viewer: Viewer, node_id: int | None) -> int | None:
    if node_id is None:
        return None
    node = await session.get(TierNode, (viewer.tenant_id, node_id))
    if node is None or not viewer.in_scope(node.path):
        raise not_found("tier node", "nodeId")
    return node.id


def visible(viewer: Viewer) -> Select[Any]:
    stmt = select(Webhook)
    if viewer.role is not Role.ADMIN:
        stmt = stmt.where(Webhook.owner_id == viewer.staff_id)
    return stmt


async def webhooks(session: AsyncSession, viewer: Viewer) -> list[Webhook]:
    _require(viewer)
    return list((await session.scalars(visible(viewer).order_by(Webhook.id))).all())


async def get_webhook(session: AsyncSession, viewer: Viewer, webhook_id: int, field: str = "id") -> Webhook:
    _require(viewer)
    hook = await session.scalar(visible(viewer).where(Webhook.id == webhook_id))
    if hook is None:
        raise not_found("webhook", field)
    return hook


async def create_webhook(
    session: AsyncSession, viewer: Viewer, *, url: str, event_types: Sequence[str],
    node_id: int | None, secret: str | None, production: bool, resolver: urls.Resolver = urls.resolve,
) -> tuple[Webhook, str]:
    """A new active webhook starting at the log's head, and its signing secret (shown once)."""
    _require(viewer)
    types, node, key = _types(event_types), await _node(session, viewer, node_id), _checked_secret(secret)
    await urls.check(url, production=production, resolver=resolver)

    head = (await heads(session, [viewer.tenant_id])).get(viewer.tenant_id, 0)
    hook = Webhook(url=url, event_types=types, node_id=node, owner_id=viewer.staff_id, secret=key, cursor=head)
    session.add(hook)
    await session.flush()
    return hook, key


async def update_webhook(
    session: AsyncSession, viewer: Viewer, webhook_id: int, *, changes: dict[str, Any],
    production: bool, resolver: urls.Resolver = urls.resolve,
) -> Webhook:
    """Change url, eventTypes, nodeId or active; re-enabling clears the failure clock."""
    hook = await get_webhook(session, viewer, webhook_id)
    if "url" in changes:
        await urls.check(changes["url"], production=production, resolver=resolver)
        hook.url = changes["url"]
    if "event_types" in changes:
        hook.event_types = _types(changes["event_types"] or [])
    if "node_id" in changes:
        hook.node_id = await _node(session, viewer, changes["node_id"])
    if "active" in changes and changes["active"] is not None:
        state = WebhookState.ACTIVE if changes["active"] else WebhookState.DISABLED
        if state is not hook.state:
            hook.state = state
            hook.failing_since = None
    await session.flush()
    return hook


async def delete_webhook(session: AsyncSession, viewer: Viewer, webhook_id: int) -> int:
    hook = await get_webhook(session, viewer, webhook_id)
    await session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    await session.delete(hook)
    await session.flush()
    return webhook_id


async def rotate_secret(
    session: AsyncSession, viewer: Viewer, webhook_id: int, *, secret: str | None = None,
    grace: timedelta = DEFAULT_GRACE, now: datetime | None = None,
) -> tuple[Webhook, str]:
    """A new secret; the old one still signs (as a second signature) until the grace ends."""
    hook = await get_webhook(session, viewer, webhook_id)
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise invalid("grace period must be between 0 and 168 hours", "gracePeriodHours")
    key = _checked_secret(secret)
    hook.previous_secret, hook.previous_secret_expires_at = hook.secret, (now or utcnow()) + grace
    hook.secret = key
    await session.flush()
    return hook, key


def deliveries_statement(webhook_id: int) -> Select[Any]:
    return select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)


async def redeliver(
    session: AsyncSession, viewer: Viewer, delivery_id: int, *, now: datetime | None = None,
) -> WebhookDelivery:
    """Send a delivery's event again, now, outside the in-order stream (same webhook-id)."""
    _require(viewer)
    original = await session.get(WebhookDelivery, (viewer.tenant_id, delivery_id))
    if original is None:
        raise not_found("webhook delivery", "deliveryId")
    await get_webhook(session, viewer, original.webhook_id, "deliveryId")
    again = WebhookDelivery(
        webhook_id=original.webhook_id, event_seq=original.event_seq, event_id=original.event_id,
        manual=True, next_retry_at=now or utcnow(),
    )
    session.add(again)
    await session.flush()
    return again


async def replay(session: AsyncSession, viewer: Viewer, webhook_id: int, *, after: str) -> Webhook:
    """Deliver again, in order, every event after `after` (pending in-order retries are dropped)."""
    hook = await get_webhook(session, viewer, webhook_id)
    seq = parse_cursor(after)
    assert seq is not None

    if seq > (await heads(session, [viewer.tenant_id])).get(viewer.tenant_id, 0):
        raise invalid("cursor is beyond the end of the log", "after")
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.manual.is_(False))
        .values(status=DeliveryStatus.CANCELLED, next_retry_at=None)
        .execution_options(synchronize_session=False)
    )
    hook.cursor = seq  # audited: a replay is a change an admin may want to trace
    await session.flush()
    return hook
