"""The delivery worker: each webhook's events, in order, signed, retried, at least once.

Per webhook the worker walks the event log from the webhook's own cursor with
the owner's filter (scope, nodeId, eventTypes), and sends each event as the
owner's `events` subscription would yield it (`render`, PII masked likewise).
An event's delivery row is made before its first attempt and is retried until
it succeeds or fails for good; only then does the cursor move, so a webhook's
events arrive in order and a crash at any point means a resend, never a loss.
The `webhook-id` header (msg_<event id>) is the receiver's dedupe key.

Retries (5xx, 408, 429, timeouts, connection errors, refused addresses), after
attempt n: RETRY_SCHEDULE[n-1] (the last entry repeating), each ±10 % jitter;
429/408 with Retry-After wait what it asks (at most a day). Other 4xx and 3xx
fail the delivery for good and the stream moves on. A webhook failing
continuously for DISABLE_AFTER is disabled: an audit row and a WEBHOOK_DISABLED
event.

Several processes share the work through a lease on the webhook row, taken
and renewed with conditional UPDATEs: one process at a time serves a webhook.
Each webhook is served by its own task, so a slow receiver holds up only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import standardwebhooks
from sqlalchemy import and_, exists, or_, select, update

from db.base import utcnow
from db.models.core import Staff, Tenant
from db.models.tree import TierNode
from db.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookState
from db.outbox import emit
from db.session import Database
from resolvers.common.errors import DomainError
from resolvers.common.polling import PollingWorker
from resolvers.common.viewer import Viewer
from resolvers.core.auth import viewer_of
from resolvers.events.log import EventFilter, LogEntry, heads, read_log
from resolvers.webhooks import urls

log = logging.getLogger(__name__)

RETRY_SCHEDULE = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=24),
)
DISABLE_AFTER = timedelta(days=3)
MAX_RETRY_AFTER = timedelta(hours=24)
RESPONSE_CAP = 64 * 1024  # bytes of a response read at most (only a snippet is kept)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
LEASE = timedelta(minutes=2)  # > TIMEOUT; renewed before every attempt
BATCH = 50  # attempts per claim, then the webhook is let go for others

Clock = Callable[[], datetime]
Render = Callable[[LogEntry, Viewer], dict[str, Any]]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retry: bool
    status_code: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None


def message_id(event_id: int) -> str:
    return f"msg_{event_id}"


def retry_delay(attempt: int, *, jitter: float, rng: random.Random) -> timedelta:
    base = RETRY_SCHEDULE[min(attempt, len(RETRY_SCHEDULE)) - 1]
    return base * (1 + rng.uniform(-jitter, jitter)) if jitter else base


def classify(status: int, headers: httpx.Headers, now: datetime) -> Outcome:
    if 200 <= status < 300:
        return Outcome(ok=True, retry=False, status_code=status)
    if status >= 500 or status in (408, 429):
        return Outcome(ok=False, retry=True, status_code=status, error=f"HTTP {status}",
                       retry_after=_retry_after(headers.get("retry-after"), now) if status < 500 else None)
    return Outcome(ok=False, retry=False, status_code=status, error=f"HTTP {status}")


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    if value.strip().isdigit():
        wait = timedelta(seconds=int(value.strip()))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


class WebhookWorker(PollingWorker):
    def __init__(
        self, db: Database, *, render: Render, production: bool, clock: Clock = utcnow,
        resolver: urls.Resolver = urls.resolve, jitter: float = 0.1, rng: random.Random | None = None,
        client: httpx.AsyncClient | None = None, poll_seconds: float = 1.0, name: str | None = None,
    ) -> None:
        self.db, self.render, self.production, self.clock = db, render, production, clock
        self.resolver, self.jitter, self.rng = resolver, jitter, rng or random.Random()
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT, limits=LIMITS, follow_redirects=False)
        self.poll_seconds = poll_seconds
        self.name = name or uuid.uuid4().hex
        self.running: dict[tuple[int, int], asyncio.Task[None]] = {}

    # -- scheduling ---------------------------------------------------------

    async def tick(self) -> list[asyncio.Task[None]]:
        """Claim the webhooks with work due that no process holds; serve each in its own task."""
        now = self.clock()
        due = exists().where(
            WebhookDelivery.tenant_id == Webhook.tenant_id, WebhookDelivery.webhook_id == Webhook.id,
            WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_retry_at <= now,
        )
        waiting = exists().where(
            WebhookDelivery.tenant_id == Webhook.tenant_id, WebhookDelivery.webhook_id == Webhook.id,
            WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.manual.is_(False),
        )
        free = or_(Webhook.lease_until.is_(None), Webhook.lease_until < now)
        stmt = (
            select(Webhook.tenant_id, Webhook.id)
            .join(Tenant, Tenant.id == Webhook.tenant_id)
            .where(Webhook.state == WebhookState.ACTIVE, free,
                   or_(due, and_(Tenant.event_seq > Webhook.cursor, ~waiting)))
            .limit(500)
        )
        async with self.db.session(all_tenants=True) as session:
            candidates = [k for k in (await session.execute(stmt)).all() if tuple(k) not in self.running]
        started = []
        for tenant_id, webhook_id in candidates:
            if await self._lease(tenant_id, webhook_id, now, take=True):
                task = asyncio.create_task(self._serve(tenant_id, webhook_id))
                self.running[(tenant_id, webhook_id)] = task
                started.append(task)
        return started

    async def run_once(self) -> None:
        """One tick, waiting for every webhook it started (tests, `--once`)."""
        await asyncio.gather(*await self.tick())

    async def close(self) -> None:
        for task in list(self.running.values()):
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
        await self.client.aclose()

    async def _lease(self, tenant_id: int, webhook_id: int, now: datetime, *, take: bool) -> bool:
        """Take (if free) or renew (if ours) the webhook's lease; False when another process has it."""
        held = Webhook.lease_owner == self.name
        cond = or_(Webhook.lease_until.is_(None), Webhook.lease_until < now) if take else held
        async with self.db.transaction(tenant_id=tenant_id) as session:
            result = await session.execute(
                update(Webhook)
                .where(Webhook.id == webhook_id, Webhook.state == WebhookState.ACTIVE, cond)
                .values(lease_owner=self.name, lease_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
        return bool(result.rowcount)

    async def _release(self, tenant_id: int, webhook_id: int) -> None:
        async with self.db.transaction(tenant_id=tenant_id) as session:
            await session.execute(
                update(Webhook)
                .where(Webhook.id == webhook_id, Webhook.lease_owner == self.name)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    async def _serve(self, tenant_id: int, webhook_id: int) -> None:
        try:
            for _ in range(BATCH):
                if not await self._step(tenant_id, webhook_id):
                    break
        except Exception:
            log.exception("webhook %s: delivery failed unexpectedly", webhook_id)
        finally:
            self.running.pop((tenant_id, webhook_id), None)
            with contextlib.suppress(Exception):
                await self._release(tenant_id, webhook_id)

    # -- one delivery -------------------------------------------------------

    async def _step(self, tenant_id: int, webhook_id: int) -> bool:
        """Attempt the next due delivery of the webhook; False when there is none (or lease lost)."""
        now = self.clock()
        async with self.db.session(tenant_id=tenant_id) as session:
            hook = await session.get(Webhook, (tenant_id, webhook_id))
            if hook is None or hook.state is not WebhookState.ACTIVE:
                return False
            owner = await session.get(Staff, (tenant_id, hook.owner_id))
            scope = await session.get(TierNode, (tenant_id, owner.scope_node_id)) if owner else None
            if owner is None or scope is None or not owner.active:
                await self._disable(tenant_id, webhook_id, "the owner is no longer active", now)
                return False
            viewer = viewer_of(owner, scope.path)
            pending = (await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == DeliveryStatus.PENDING)
                .order_by(WebhookDelivery.manual, WebhookDelivery.event_seq, WebhookDelivery.id)
            )).all()
            delivery = next((d for d in pending if d.next_retry_at is not None and d.next_retry_at <= now), None)
            entry = None
            if delivery is None:
                if any(not d.manual for d in pending):
                    return False  # the next event in order waits for its retry
                node = await session.get(TierNode, (tenant_id, hook.node_id)) if hook.node_id else None
                flt = EventFilter(scope_path=viewer.scope_path, node_path=node.path if node else None,
                                  types=frozenset(hook.event_types) if hook.event_types else None)
                # Everything up to the head read first is committed (the counter moves in the
                # events' commit), so when none of it matches the cursor may skip to the head.
                head = (await heads(session, [tenant_id])).get(tenant_id, 0)
                found = await read_log(session, after=hook.cursor, limit=1, flt=flt, upto=head)
                if not found:
                    if head > hook.cursor:
                        await self._skip_to(tenant_id, webhook_id, hook.cursor, head)
                    return False
                entry = found[0]
            else:
                found = await read_log(session, after=delivery.event_seq - 1, upto=delivery.event_seq, limit=1)
                entry = found[0] if found else None
            secrets = [hook.secret]
            if hook.previous_secret and hook.previous_secret_expires_at and hook.previous_secret_expires_at > now:
                secrets.append(hook.previous_secret)
            url = hook.url
        if delivery is None:
            assert entry is not None
            delivery = await self._new_delivery(tenant_id, webhook_id, entry, now)
            if delivery is None:
                return False
        elif not await self._lease(tenant_id, webhook_id, now, take=False):
            return False
        if entry is None:
            outcome = Outcome(ok=False, retry=False, error="the event is no longer in the log (pruned)")
            latency = None
        else:
            outcome, latency = await self._send(url, entry, viewer, secrets, now)
        await self._record(tenant_id, webhook_id, delivery, outcome, latency, now)
        return True

    async def _skip_to(self, tenant_id: int, webhook_id: int, cursor: int, head: int) -> None:
        async with self.db.transaction(tenant_id=tenant_id) as session:
            await session.execute(
                update(Webhook).where(Webhook.id == webhook_id, Webhook.cursor == cursor)
                .values(cursor=head).execution_options(synchronize_session=False)
            )

    async def _new_delivery(
        self, tenant_id: int, webhook_id: int, entry: LogEntry, now: datetime,
    ) -> WebhookDelivery | None:
        """The event's delivery row, in the transaction that renews the lease (None: lease lost)."""
        async with self.db.transaction(tenant_id=tenant_id) as session:
            renewed = await session.execute(
                update(Webhook)
                .where(Webhook.id == webhook_id, Webhook.state == WebhookState.ACTIVE,
                       Webhook.lease_owner == self.name)
                .values(lease_until=now + LEASE).execution_options(synchronize_session=False)
            )
            if not renewed.rowcount:
                return None
            delivery = WebhookDelivery(webhook_id=webhook_id, event_seq=entry.seq, event_id=entry.event.id,
                                       next_retry_at=now)
            session.add(delivery)
        return delivery

    async def _send(
        self, url: str, entry: LogEntry, viewer: Viewer, secrets: list[str], now: datetime,
    ) -> tuple[Outcome, int | None]:
        try:
            await urls.check(url, production=self.production, resolver=self.resolver)
        except DomainError as exc:
            return Outcome(ok=False, retry=True, error=str(exc)), None
        body = json.dumps(self.render(entry, viewer), separators=(",", ":"), ensure_ascii=False)
        msg_id = message_id(entry.event.id)
        signed_at = datetime.now(UTC)  # the receiver checks it against its own clock
        signature = " ".join(standardwebhooks.Webhook(s).sign(msg_id, signed_at, body) for s in secrets)
        headers = {
            "content-type": "application/json", "user-agent": "Canopy-Webhooks/1",
            "webhook-id": msg_id, "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": signature,
        }
        started = time.monotonic()
        try:
            async with self.client.stream("POST", url, content=body.encode(), headers=headers) as resp:
                snippet = await _read_capped(resp)
                outcome = classify(resp.status_code, resp.headers, now)
        except httpx.TimeoutException:
            outcome = Outcome(ok=False, retry=True, error="timed out")
        except httpx.HTTPError as exc:
            outcome = Outcome(ok=False, retry=True, error=f"connection failed: {type(exc).__name__}")
        else:
            if not outcome.ok and snippet:
                outcome = Outcome(ok=False, retry=outcome.retry, status_code=outcome.status_code,
                                  error=f"{outcome.error}: {snippet[:200]}", retry_after=outcome.retry_after)
        return outcome, int((time.monotonic() - started) * 1000)

    async def _record(
        self, tenant_id: int, webhook_id: int, delivery: WebhookDelivery, outcome: Outcome,
        latency: int | None, now: datetime,
    ) -> None:
        attempt = delivery.attempt + 1
        values: dict[str, Any] = {"attempt": attempt, "status_code": outcome.status_code,
                                  "latency_ms": latency, "error": outcome.error}
        if outcome.ok:
            values.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_retry_at=None)
        elif outcome.retry:
            wait = outcome.retry_after or retry_delay(attempt, jitter=self.jitter, rng=self.rng)
            values.update(next_retry_at=now + wait)
        else:
            values.update(status=DeliveryStatus.FAILED, next_retry_at=None)
        disable = False
        async with self.db.transaction(tenant_id=tenant_id) as session:
            moved = await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == DeliveryStatus.PENDING)
                .values(**values).execution_options(synchronize_session=False)
            )
            if not moved.rowcount:
                return  # cancelled meanwhile (replayWebhook): the stream was rewound
            hook_values: dict[str, Any] = {}
            if not delivery.manual and not (outcome.retry and not outcome.ok):
                hook_values["cursor"] = delivery.event_seq
            if outcome.ok:
                hook_values["failing_since"] = None
            elif outcome.retry:
                hook = await session.get(Webhook, (tenant_id, webhook_id))
                since = hook.failing_since if hook is not None else None
                if since is None:
                    hook_values["failing_since"] = now
                elif now - since >= DISABLE_AFTER:
                    disable = True
            if hook_values:
                await session.execute(
                    update(Webhook).where(Webhook.id == webhook_id).values(**hook_values)
                    .execution_options(synchronize_session=False)
                )
        if disable:
            await self._disable(tenant_id, webhook_id, f"failing since more than {DISABLE_AFTER.days} days", now)

    async def _disable(self, tenant_id: int, webhook_id: int, reason: str, now: datetime) -> None:
        """Disable through the ORM, so the unit of work writes the audit row; emit WEBHOOK_DISABLED."""
        async with self.db.transaction(tenant_id=tenant_id) as session:
            hook = await session.get(Webhook, (tenant_id, webhook_id))
            if hook is None or hook.state is WebhookState.DISABLED:
                return
            hook.state = WebhookState.DISABLED
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.status == DeliveryStatus.PENDING)
                .values(status=DeliveryStatus.FAILED, next_retry_at=None, error=f"webhook disabled: {reason}")
                .execution_options(synchronize_session=False)
            )
            emit(session, "WEBHOOK_DISABLED", subject=hook, node_id=hook.node_id,
                 data={"url": hook.url, "reason": reason, "failingSince": hook.failing_since})
        log.warning("webhook %s disabled: %s", webhook_id, reason)


async def _read_capped(resp: httpx.Response) -> str:
    """At most RESPONSE_CAP bytes of the body: a receiver cannot make us buffer more."""
    data = b""
    async for chunk in resp.aiter_bytes():
        data += chunk
        if len(data) >= RESPONSE_CAP:
            break
    return data[:RESPONSE_CAP].decode("utf-8", "replace")
