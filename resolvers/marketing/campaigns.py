"""Campaigns: create (validated actions), launch (snapshot + treatment/holdout split).

The split: a customer is in the holdout when the first 8 bytes of
sha256("<seed>:<campaign id>:<customer id>"), as an integer mod 10,000, fall below
holdoutPercent x 100. The seed is drawn once per campaign and kept, so the split is stable
(the same at every relaunch of the computation) and reproducible from the stored values.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import record
from db.base import new_id, utcnow
from db.models.marketing import Campaign, CampaignRecipient, CampaignStatus, DeliveryState, Group
from db.models.tree import TierNode, in_subtree
from db.outbox import emit
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.lengths import check_text
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.marketing import segments
from resolvers.membership.programs import check_positive
from resolvers.tree.settings import normalise_locale

MAX_HOLDOUT = 90
MAX_VALID_DAYS = 3650
MAX_TEMPLATE = 20_000
SNAPSHOT_BATCH = 5000


def in_holdout(seed: str, campaign_id: int, customer_id: int, holdout_percent: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{campaign_id}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < holdout_percent * 100


def _coupon(raw: dict[str, Any] | None, problems: Problems) -> dict[str, Any] | None:
    if raw is None:
        return None
    amount, percent = raw.get("amount_off"), raw.get("percent_off")
    if (amount is None) == (percent is None):
        problems.add(ErrorCode.INVALID, "give amountOff or percentOff (one of them)", ["coupon", "amountOff"])
    if amount is not None:
        check_positive(problems, amount, ["coupon", "amountOff"], maximum=Decimal(10) ** 6, places=3)  # type: ignore[arg-type]
    if percent is not None:
        check_positive(problems, percent, ["coupon", "percentOff"], maximum=Decimal(100), places=4)  # type: ignore[arg-type]
    minimum = raw.get("minimum_total")
    if minimum is not None:
        check_positive(problems, minimum, ["coupon", "minimumTotal"], maximum=Decimal(10) ** 6, places=3,  # type: ignore[arg-type]
                       allow_zero=True)
    days = raw.get("valid_days", 30)
    if not 1 <= days <= MAX_VALID_DAYS:
        problems.add(ErrorCode.INVALID, f"1 to {MAX_VALID_DAYS} days", ["coupon", "validDays"])
    return {"amountOff": None if amount is None else str(amount), "percentOff": None if percent is None else str(percent),
            "minimumTotal": None if minimum is None else str(minimum), "validDays": days}


def _email(raw: dict[str, Any] | None, problems: Problems) -> dict[str, Any] | None:
    """{"defaultLocale", "templates": {locale: {subject, body}}}; templates parsed now (a syntax
    error is the caller's, not a worker's fault at send time)."""
    if raw is None:
        return None
    from resolvers.marketing.messages import check_template

    templates: dict[str, dict[str, str]] = {}
    given = raw.get("templates") or []
    if not given or len(given) > 50:
        problems.add(ErrorCode.INVALID, "1 to 50 templates (one per locale)", ["email", "templates"])
    for i, t in enumerate(given):
        at = ["email", "templates", str(i)]
        locale = normalise_locale(t["locale"], [*at, "locale"], problems)
        check_text(problems, t["subject"], [*at, "subject"], max_length=500)
        check_text(problems, t["body"], [*at, "body"], max_length=MAX_TEMPLATE)
        for part in ("subject", "body"):
            error = check_template(t[part] or "")
            if error:
                problems.add(ErrorCode.INVALID, f"template error: {error}", [*at, part])
        if locale in templates:
            problems.add(ErrorCode.INVALID, "one template per locale", [*at, "locale"])
        if locale:
            templates[locale] = {"subject": t["subject"], "body": t["body"]}
    default = raw.get("default_locale") or (next(iter(templates)) if templates else None)
    if templates and default not in templates:
        problems.add(ErrorCode.INVALID, "the default locale needs a template", ["email", "defaultLocale"])
    return {"defaultLocale": default, "templates": templates}


async def create_campaign(
    session: AsyncSession, viewer: Viewer, *, name: str, segment_id: int | None, coupon: dict[str, Any] | None,
    email: dict[str, Any] | None, holdout_percent: int, starts_at: datetime, ends_at: datetime,
    quiet_hours: tuple[int, int] = (21, 8),
) -> Campaign:
    require(viewer, "campaign.write")
    segment, node = await segments.segment_in_scope(session, viewer, segment_id, "segmentId")
    problems = Problems()
    check_text(problems, name, "name", max_length=200)
    if coupon is None and email is None:
        problems.add(ErrorCode.INVALID, "give a coupon, an email or both", "coupon")
    stored_coupon, stored_email = _coupon(coupon, problems), _email(email, problems)
    if not 0 <= holdout_percent <= MAX_HOLDOUT:
        problems.add(ErrorCode.INVALID, f"0 to {MAX_HOLDOUT} percent", "holdoutPercent")
    if ends_at <= starts_at:
        problems.add(ErrorCode.INVALID, "endsAt must be after startsAt", "endsAt")
    if ends_at <= utcnow():
        problems.add(ErrorCode.INVALID, "endsAt must be in the future", "endsAt")
    for field, hour in zip(("quietHoursStart", "quietHoursEnd"), quiet_hours, strict=True):
        if not 0 <= hour <= 23:
            problems.add(ErrorCode.INVALID, "an hour 0 to 23", field)
    problems.raise_if_any()
    campaign = Campaign(
        name=name.strip(), segment_id=segment.id, node_id=node.id, owner_id=viewer.staff_id or None,
        coupon=stored_coupon, email=stored_email, holdout_percent=holdout_percent, seed=secrets.token_hex(16),
        starts_at=starts_at, ends_at=ends_at, quiet_start_hour=quiet_hours[0], quiet_end_hour=quiet_hours[1],
        status=CampaignStatus.DRAFT,
    )
    session.add(campaign)
    await session.flush()
    emit(session, "CAMPAIGN_CREATED", subject=campaign, node_id=node.id, data={"name": campaign.name})
    return campaign


async def campaign_in_scope(
    session: AsyncSession, viewer: Viewer, campaign_id: int | None, field: str = "id",
) -> tuple[Campaign, TierNode]:
    require(viewer, "campaign.read")
    row = None
    if campaign_id is not None:
        row = (await session.execute(
            select(Campaign, TierNode).join(TierNode, TierNode.id == Campaign.node_id).where(Campaign.id == campaign_id)
        )).first()
    if row is None or not viewer.in_scope(row[1].path):
        raise not_found("campaign", field)
    return row[0], row[1]


def campaigns_query(viewer: Viewer, *, statuses: tuple[CampaignStatus, ...] = (), running: bool = False) -> Any:
    """Campaigns in the viewer's scope; `running`: launched and now inside [startsAt, endsAt)."""
    require(viewer, "campaign.read")
    stmt = select(Campaign).where(
        Campaign.node_id.in_(select(TierNode.id).where(in_subtree(TierNode.path, viewer.scope_path))))
    if running:
        now = utcnow()
        stmt = stmt.where(Campaign.status.in_((CampaignStatus.LAUNCHED, CampaignStatus.COMPLETED)),
                          Campaign.starts_at <= now, Campaign.ends_at > now)
    return stmt.where(Campaign.status.in_(statuses)) if statuses else stmt


async def launch_campaign(session: AsyncSession, viewer: Viewer, *, campaign_id: int | None) -> Campaign:
    """Snapshot the audience (as the launcher sees it) into recipients, split, and hand over to the
    workers. Only a DRAFT launches: a second launch, concurrent or not, is a CONFLICT."""
    require(viewer, "campaign.write")
    campaign, node = await campaign_in_scope(session, viewer, campaign_id)
    moved = await session.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.DRAFT)
        .values(status=CampaignStatus.LAUNCHED, launched_at=utcnow()).execution_options(synchronize_session=False)
    )
    if not moved.rowcount:
        raise DomainError(ErrorCode.CONFLICT, "this campaign has been launched already", "id")
    # A conditional Core UPDATE (two launches race), audited by hand like the ORM would.
    record(session.sync_session, tenant_id=viewer.tenant_id, entity_type="Campaign", entity_id=campaign.id,
           changes={"status": [CampaignStatus.DRAFT.value, CampaignStatus.LAUNCHED.value]}, node_id=node.id)
    segment, segment_node = await segments.segment_in_scope(session, viewer, campaign.segment_id)
    audience = (await segments.audience_query(session, viewer, segment, segment_node)).order_by(None).subquery()
    coupon = DeliveryState.PENDING if campaign.coupon else DeliveryState.NONE
    email = DeliveryState.PENDING if campaign.email else DeliveryState.NONE
    counts = {Group.TREATMENT: 0, Group.HOLDOUT: 0}
    last_id, now = -1, utcnow()
    while True:  # ids in keyset batches: ids and stores only, never whole customers
        batch = (await session.execute(
            select(audience.c.id, audience.c.node_id).where(audience.c.id > last_id)
            .order_by(audience.c.id).limit(SNAPSHOT_BATCH)
        )).all()
        if not batch:
            break
        rows = []
        for customer_id, store_id in batch:
            group = Group.HOLDOUT if in_holdout(campaign.seed, campaign.id, customer_id, campaign.holdout_percent) \
                else Group.TREATMENT
            counts[group] += 1
            treated = group is Group.TREATMENT
            rows.append({
                "tenant_id": viewer.tenant_id, "id": new_id(), "campaign_id": campaign.id, "customer_id": customer_id,
                "node_id": store_id, "group": group, "coupon_state": coupon if treated else DeliveryState.NONE,
                "email_state": email if treated else DeliveryState.NONE, "attempts": 0, "done": not treated,
                "next_attempt_at": campaign.starts_at, "created_at": now,
            })
        await session.execute(insert(CampaignRecipient.__table__), rows)
        last_id = batch[-1][0]
    await session.refresh(campaign)
    emit(session, "CAMPAIGN_LAUNCHED", subject=campaign, node_id=node.id, data={
        "audience": sum(counts.values()), "treatment": counts[Group.TREATMENT], "holdout": counts[Group.HOLDOUT]})
    return campaign



@cache
def _received() -> Any:
    """Built once (the bot's card asks per lookup): customers, scope and states as parameters."""
    return (
        select(CampaignRecipient, Campaign).join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .join(TierNode, TierNode.id == Campaign.node_id)
        .where(CampaignRecipient.customer_id.in_(bindparam("ids", expanding=True)),
               TierNode.path >= bindparam("low", type_=TierNode.path.type),
               TierNode.path < bindparam("high", type_=TierNode.path.type),
               (CampaignRecipient.coupon_state == DeliveryState.SENT) | (CampaignRecipient.email_state == DeliveryState.SENT))
        .order_by(CampaignRecipient.id.desc())
    )


async def recipients_received(session: AsyncSession, viewer: Viewer, customer_ids: list[int]) -> list[list[Any]]:
    """Per customer, the (recipient, campaign) pairs of campaigns that reached them (a coupon or an
    email sent), newest first, among campaigns in the viewer's scope; one statement."""
    require(viewer, "campaign.read")
    path = viewer.scope_path
    rows = (await session.execute(_received(), {
        "ids": sorted(set(customer_ids)), "low": path, "high": path[:-1] + "0"})).all()
    found: dict[int, list[Any]] = {}
    for recipient, campaign in rows:
        found.setdefault(recipient.customer_id, []).append((recipient, campaign))
    return [found.get(c, []) for c in customer_ids]


def recipients_query(viewer: Viewer, campaign_id: int) -> Any:
    """A campaign's recipients (the caller reached the campaign through its scope check)."""
    require(viewer, "campaign.read")
    return select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)


CANCELLABLE = (CampaignStatus.DRAFT, CampaignStatus.LAUNCHED)


async def cancel_campaign(session: AsyncSession, viewer: Viewer, *, campaign_id: int | None) -> Campaign:
    """Stop a DRAFT or LAUNCHED campaign: every recipient not yet done is skipped ("campaign
    cancelled") and its lease cleared, so a worker in the middle of one loses the lease and rolls
    its coupon back; what was already issued or sent stays, and the results still count it."""
    require(viewer, "campaign.write")
    campaign, node = await campaign_in_scope(session, viewer, campaign_id)
    before = campaign.status
    moved = await session.execute(
        update(Campaign).where(Campaign.id == campaign.id, Campaign.status.in_(CANCELLABLE))
        .values(status=CampaignStatus.CANCELLED, completed_at=utcnow()).execution_options(synchronize_session=False)
    )
    if not moved.rowcount:
        raise DomainError(ErrorCode.CONFLICT, f"a {before.value} campaign cannot be cancelled", "id")
    record(session.sync_session, tenant_id=viewer.tenant_id, entity_type="Campaign", entity_id=campaign.id,
           changes={"status": [before.value, CampaignStatus.CANCELLED.value]}, node_id=node.id)
    skipped = {
        part: case((column == DeliveryState.PENDING, DeliveryState.SKIPPED), else_=column)
        for part, column in (("coupon_state", CampaignRecipient.coupon_state),
                             ("email_state", CampaignRecipient.email_state))
    }
    await session.execute(
        update(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.done.is_(False))
        .values(done=True, reason="campaign cancelled", lease_owner=None, lease_until=None, **skipped)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(campaign)
    emit(session, "CAMPAIGN_CANCELLED", subject=campaign, node_id=node.id, data={"from": before.value})
    return campaign
