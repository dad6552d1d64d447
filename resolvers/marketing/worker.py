"""The campaign worker: issues coupons and sends emails to a launched campaign's treatment group.

Exactly once per customer, with any number of processes and across crashes:
- recipients are claimed in batches with a lease (a conditional UPDATE of lease_owner/lease_until,
  FOR UPDATE SKIP LOCKED on PostgreSQL), like the webhook worker; a crashed process's claims
  expire after LEASE and another process resumes them;
- a coupon is inserted in the same transaction as the UPDATE that moves the recipient's
  coupon_state from PENDING to SENT *while the lease is still ours*: a process that lost its
  lease rolls back, so no recipient ever gets two coupons;
- an email is sent after its coupon (the template may quote the code), then marked SENT. A crash
  between the SMTP answer and that mark resends once after the lease: the Message-ID is stable per
  (campaign, customer) so mail systems drop the duplicate (docs/marketing.md).
Email needs the customer's EMAIL + MARKETING consent and an address (else SKIPPED with the
reason); outside quiet hours in the store's time zone (else postponed to their end); failures
retry after RETRY_AFTER[n] and fail for good after MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from config import Settings
from db.base import utcnow
from db.models.consent import ConsentChannel, ConsentPurpose
from db.models.customers import Customer
from db.models.marketing import Campaign, CampaignRecipient, CampaignStatus, DeliveryState
from db.models.membership import Coupon, CouponStatus, Membership
from db.models.tree import TierNode
from db.outbox import emit
from db.session import Database
from db.uow import unit_of_work
from resolvers.common import money
from resolvers.common.polling import PollingWorker
from resolvers.consent.consents import granted
from resolvers.marketing import messages
from resolvers.membership.coupons import new_code
from resolvers.tree.nodes import settings_of

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
BATCH = 50
MAX_ATTEMPTS = 5
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
R = CampaignRecipient
Clock = Callable[[], datetime]
Send = Callable[..., Awaitable[None]]


class LeaseLost(Exception):
    """Another process holds the recipient now: this transaction must not commit."""


def quiet_until(now: datetime, zone: str | None, start: int, end: int) -> datetime | None:
    """When the quiet hours [start, end) around `now` end (UTC), or None outside them."""
    if start == end:
        return None
    tz = ZoneInfo(zone or "UTC")
    local = now.astimezone(tz)
    hour = local.hour
    quiet = start <= hour < end if start < end else (hour >= start or hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz).astimezone(now.tzinfo)


class CampaignWorker(PollingWorker):
    def __init__(self, db: Database, settings: Settings, *, clock: Clock = utcnow, poll_seconds: float = 1.0,
                 name: str | None = None, send: Send = messages.send, max_recipients: int | None = None) -> None:
        self.db, self.settings, self.clock, self.poll_seconds = db, settings, clock, poll_seconds
        self.name = name or uuid.uuid4().hex
        self.send = send
        self.max_recipients = max_recipients  # tests: stop after this many (a crash mid-run)
        self.processed = 0

    @property
    def stopped(self) -> bool:
        return self.max_recipients is not None and self.processed >= self.max_recipients

    async def run_once(self) -> int:
        """Work every launched campaign until nothing is due (or max_recipients); recipients handled."""
        before = self.processed
        now = self.clock()
        async with self.db.session(all_tenants=True) as session:
            due = (await session.execute(
                select(Campaign.tenant_id, Campaign.id)
                .where(Campaign.status == CampaignStatus.LAUNCHED, Campaign.starts_at <= now).order_by(Campaign.id)
            )).all()
        for tenant_id, campaign_id in due:
            while not self.stopped and (claimed := await self._claim(tenant_id, campaign_id)):
                for recipient_id in claimed:
                    if self.stopped:
                        break  # a "crash": the rest of the claim stays leased until LEASE passes
                    await self._handle(tenant_id, campaign_id, recipient_id)
                    self.processed += 1
            if not self.stopped:
                await self._complete(tenant_id, campaign_id)
        return self.processed - before

    async def tick(self) -> int:
        return await self.run_once()

    # -- claims ----------------------------------------------------------------

    def _free(self, now: datetime) -> Any:
        return or_(R.lease_until.is_(None), R.lease_until < now)

    async def _claim(self, tenant_id: int, campaign_id: int) -> list[int]:
        now = self.clock()
        async with self.db.transaction(tenant_id=tenant_id) as session:
            due = (select(R.id).where(R.campaign_id == campaign_id, R.done.is_(False), R.next_attempt_at <= now,
                                      self._free(now)).order_by(R.id).limit(BATCH))
            if session.bind.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            result = await session.execute(
                update(R).where(R.id.in_(due.scalar_subquery()), self._free(now))
                .values(lease_owner=self.name, lease_until=now + LEASE).returning(R.id)
                .execution_options(synchronize_session=False)
            )
            return sorted(result.scalars().all())

    def _ours(self, recipient_id: int) -> Any:
        return and_(R.id == recipient_id, R.lease_owner == self.name, R.lease_until >= self.clock())

    # -- one recipient -----------------------------------------------------------

    async def _handle(self, tenant_id: int, campaign_id: int, recipient_id: int) -> None:
        try:
            async with self.db.session(tenant_id=tenant_id) as session:
                campaign = await session.get(Campaign, (tenant_id, campaign_id))
                recipient = await session.get(R, (tenant_id, recipient_id))
            assert campaign is not None and recipient is not None
            now = self.clock()
            if now >= campaign.ends_at:
                await self._finish(tenant_id, campaign, recipient, "campaign ended")
                return
            if recipient.coupon_state is DeliveryState.PENDING:
                await self._issue_coupon(tenant_id, campaign, recipient)
            if recipient.email_state is DeliveryState.PENDING:
                await self._email(tenant_id, campaign, recipient)
        except LeaseLost:
            log.info("campaign %s recipient %s: lease lost, another process has it", campaign_id, recipient_id)

    async def _mark(self, session: Any, recipient_id: int, **values: Any) -> None:
        result = await session.execute(
            update(R).where(self._ours(recipient_id)).values(**values).execution_options(synchronize_session=False))
        if not result.rowcount:
            raise LeaseLost

    async def _finish(self, tenant_id: int, campaign: Campaign, recipient: R, reason: str) -> None:
        values: dict[str, Any] = {"done": True, "lease_owner": None, "lease_until": None, "reason": reason}
        for part in ("coupon_state", "email_state"):
            if getattr(recipient, part) is DeliveryState.PENDING:
                values[part] = DeliveryState.SKIPPED
        async with self.db.transaction(tenant_id=tenant_id) as session:
            await self._mark(session, recipient.id, **values)

    async def _issue_coupon(self, tenant_id: int, campaign: Campaign, recipient: R) -> None:
        template = campaign.coupon or {}
        async with self.db.session(tenant_id=tenant_id) as session:
            async with unit_of_work(session, operation="campaignCoupon", actor_id=campaign.owner_id):
                membership = await session.scalar(
                    select(Membership).where(Membership.customer_id == recipient.customer_id).order_by(Membership.id)
                    .limit(1))
                if membership is None:
                    await self._mark(session, recipient.id, coupon_state=DeliveryState.SKIPPED, reason="not a member",
                                     done=recipient.email_state is DeliveryState.NONE)
                    recipient.coupon_state = DeliveryState.SKIPPED
                    return
                store = await session.get(TierNode, (tenant_id, recipient.node_id))
                assert store is not None
                currency = (await settings_of(session, store)).currency or "EUR"
                coupon = Coupon(
                    membership_id=membership.id, customer_id=recipient.customer_id, code=new_code(),
                    currency=currency, status=CouponStatus.ISSUED, node_id=campaign.node_id,
                    expires_at=self.clock() + timedelta(days=int(template.get("validDays") or 30)),
                    amount_off_minor=_minor(template.get("amountOff"), currency),
                    percent_off=Decimal(template["percentOff"]) if template.get("percentOff") else None,
                    minimum_total_minor=_minor(template.get("minimumTotal"), currency),
                )
                session.add(coupon)
                try:
                    async with session.begin_nested():
                        await session.flush()
                except IntegrityError:  # a code collision: astronomically rare; the next pass retries
                    raise LeaseLost from None
                await self._mark(session, recipient.id, coupon_state=DeliveryState.SENT, coupon_id=coupon.id,
                                 done=recipient.email_state is DeliveryState.NONE,
                                 **({"lease_owner": None, "lease_until": None}
                                    if recipient.email_state is DeliveryState.NONE else {}))
                emit(session, "COUPON_ISSUED", subject=coupon, node_id=recipient.node_id, data={
                    "membershipId": membership.id, "couponId": coupon.id, "campaignId": campaign.id,
                    "amountOff": template.get("amountOff"), "percentOff": template.get("percentOff"),
                    "currency": currency, "expiresAt": coupon.expires_at})
                recipient.coupon_state, recipient.coupon_id = DeliveryState.SENT, coupon.id

    async def _email(self, tenant_id: int, campaign: Campaign, recipient: R) -> None:
        now = self.clock()
        async with self.db.session(tenant_id=tenant_id) as session:
            row = (await session.execute(
                select(Customer, granted(Customer.id, ConsentChannel.EMAIL, ConsentPurpose.MARKETING))
                .where(Customer.id == recipient.customer_id))).one()
            customer, consented = row[0], bool(row[1])
            store = await session.get(TierNode, (tenant_id, recipient.node_id))
            assert store is not None
            settings = await settings_of(session, store)
            coupon = await session.get(Coupon, (tenant_id, recipient.coupon_id)) if recipient.coupon_id else None
        reason = None if consented else "no email consent (EMAIL, MARKETING)"
        if reason is None and not customer.email:
            reason = "no email address"
        if reason is not None:
            async with self.db.transaction(tenant_id=tenant_id) as session:
                await self._mark(session, recipient.id, email_state=DeliveryState.SKIPPED, reason=reason, done=True,
                                 lease_owner=None, lease_until=None)
            return
        until = quiet_until(now, settings.timezone, campaign.quiet_start_hour, campaign.quiet_end_hour)
        if until is not None:
            async with self.db.transaction(tenant_id=tenant_id) as session:
                await self._mark(session, recipient.id, next_attempt_at=until, lease_owner=None, lease_until=None)
            return
        assert campaign.email is not None
        values = {"customer": {"name": customer.name}, "store": {"name": store.name}}
        if coupon is not None:
            values["coupon"] = {
                "code": coupon.code, "currency": coupon.currency, "expires_at": coupon.expires_at,
                "amount": money.from_minor(coupon.amount_off_minor, coupon.currency)
                if coupon.amount_off_minor is not None else None,
                "percent": coupon.percent_off}
        try:
            rendered = messages.render(campaign.email, locale=customer.locale, values=values)
        except TemplateError as exc:  # e.g. a loop the sandbox refuses: the template's fault, no retry
            async with self.db.transaction(tenant_id=tenant_id) as session:
                await self._mark(session, recipient.id, email_state=DeliveryState.FAILED, done=True,
                                 reason=f"template: {exc}"[:500], lease_owner=None, lease_until=None)
            return
        domain = self.settings.smtp_from.rpartition("@")[2] or "canopy.invalid"
        message_id = messages.message_id_for(campaign.id, customer.id, domain)
        try:
            await self.send(self.settings, to=customer.email, rendered=rendered, message_id=message_id)
        except Exception as exc:  # noqa: BLE001 - any SMTP or network failure is retried
            attempts = recipient.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            async with self.db.transaction(tenant_id=tenant_id) as session:
                await self._mark(
                    session, recipient.id, attempts=attempts, reason=f"{type(exc).__name__}: {exc}"[:500],
                    email_state=DeliveryState.FAILED if final else DeliveryState.PENDING, done=final,
                    next_attempt_at=now + RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1],
                    lease_owner=None, lease_until=None)
            return
        async with self.db.session(tenant_id=tenant_id) as session:
            async with unit_of_work(session, operation="campaignEmail", actor_id=campaign.owner_id):
                await self._mark(session, recipient.id, email_state=DeliveryState.SENT, done=True, sent_at=now,
                                 attempts=recipient.attempts + 1, message_id=message_id, lease_owner=None,
                                 lease_until=None)
                emit(session, "MESSAGE_SENT", subject=customer, node_id=recipient.node_id, data={
                    "campaignId": campaign.id, "channel": "EMAIL", "locale": rendered.locale,
                    "messageId": message_id})

    async def _complete(self, tenant_id: int, campaign_id: int) -> None:
        """COMPLETED once no recipient is left to do (audited, like the launch)."""
        from db.audit import record

        async with self.db.session(tenant_id=tenant_id) as session:
            async with unit_of_work(session, operation="campaignCompleted"):
                left = await session.scalar(select(func.count()).select_from(R).where(
                    R.campaign_id == campaign_id, R.done.is_(False)))
                if left:
                    return
                moved = await session.execute(
                    update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.LAUNCHED)
                    .values(status=CampaignStatus.COMPLETED, completed_at=self.clock())
                    .execution_options(synchronize_session=False))
                if moved.rowcount:
                    record(session.sync_session, tenant_id=tenant_id, entity_type="Campaign", entity_id=campaign_id,
                           changes={"status": [CampaignStatus.LAUNCHED.value, CampaignStatus.COMPLETED.value]})


def _minor(amount: str | None, currency: str) -> int | None:
    """A template amount in the store's currency, rounded to its minor unit (5.5 JPY -> 6 yen)."""
    if amount is None:
        return None
    return int(Decimal(amount).scaleb(money.precision(currency)).quantize(Decimal(1), ROUND_HALF_UP))


def start_worker(state: Any) -> CampaignWorker | None:
    """The campaign worker of a server process (CANOPY_CAMPAIGN_WORKER=0 turns it off)."""
    if not state.settings.campaign_worker:
        return None
    return CampaignWorker(state.db, state.settings).start()
