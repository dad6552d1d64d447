"""The nightly loyalty job: expire points FIFO, mark lapsed coupons, review tiers.

Every step is idempotent (a second run finds nothing due) and safe next to
live traffic: each membership is changed under its row lock, in batches that
keep transactions short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.models.membership import (
    Coupon,
    CouponStatus,
    Membership,
    MembershipTier,
    PointsLot,
    PointsReason,
)
from resolvers.membership import ledger


@dataclass
class Batch:
    """One batch's outcome; `last_id` is where the next batch resumes (None: done)."""

    members: int = 0
    points: int = 0
    tier_changes: int = 0
    last_id: int | None = None


async def expire_due(session: AsyncSession, *, now: datetime, after_id: int = 0, limit: int = 200) -> Batch:
    """Write EXPIRE rows for lots past their expiry, for up to `limit` memberships."""
    ids = (await session.scalars(
        select(PointsLot.membership_id).distinct()
        .where(PointsLot.expires_at <= now, PointsLot.remaining > 0, PointsLot.membership_id > after_id)
        .order_by(PointsLot.membership_id).limit(limit)
    )).all()
    batch = Batch(last_id=ids[-1] if len(ids) == limit else None)
    for membership_id in ids:
        membership = await ledger.lock_membership(session, membership_id)
        assert membership is not None
        # Read after the lock: redemptions that committed meanwhile have consumed their lots.
        lots = list((await session.scalars(
            select(PointsLot)
            .where(PointsLot.membership_id == membership_id, PointsLot.expires_at <= now, PointsLot.remaining > 0)
            .order_by(PointsLot.created_at, PointsLot.id)
        )).all())
        total = sum(lot.remaining for lot in lots)
        if total == 0:
            continue
        await ledger.change_points(
            session, membership, delta=-total, reason=PointsReason.EXPIRE, lots=lots,
            note=f"{len(lots)} credit(s) reached their expiry", field=(),
        )
        if await ledger.evaluate_tier(session, membership, cause="expiry", at=now):
            batch.tier_changes += 1
        batch.members += 1
        batch.points += total
    return batch


async def expire_coupons(session: AsyncSession, *, now: datetime) -> int:
    """Mark issued coupons past their expiry EXPIRED; return how many."""
    rows = (await session.execute(
        update(Coupon).where(Coupon.status == CouponStatus.ISSUED, Coupon.expires_at <= now)
        .values(status=CouponStatus.EXPIRED).returning(Coupon.id, Coupon.tenant_id)
        .execution_options(synchronize_session=False)
    )).all()
    for coupon_id, tenant_id in rows:
        audit.record(session.sync_session, tenant_id=tenant_id, entity_type="Coupon", entity_id=coupon_id,
                     changes={"status": ["ISSUED", "EXPIRED"]})
    return len(rows)


async def review_tiers(session: AsyncSession, *, now: datetime, after_id: int = 0, limit: int = 200) -> Batch:
    """Re-evaluate tiers as purchases leave the 12-month window (one step down a day at most)."""
    today = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    ids = (await session.scalars(
        select(Membership.id).join(MembershipTier, MembershipTier.id == Membership.tier_id)
        .where(
            Membership.id > after_id,
            or_(Membership.qualifying_points > 0, MembershipTier.threshold > 0),
            or_(Membership.tier_changed_at.is_(None), Membership.tier_changed_at < today),
        )
        .order_by(Membership.id).limit(limit)
    )).all()
    batch = Batch(last_id=ids[-1] if len(ids) == limit else None)
    for membership_id in ids:
        membership = await ledger.lock_membership(session, membership_id)
        assert membership is not None
        batch.members += 1
        if await ledger.evaluate_tier(session, membership, cause="the daily review", at=now):
            batch.tier_changes += 1
    return batch
