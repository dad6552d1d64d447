"""The points ledger: the one function that moves a balance, FIFO lots, tier evaluation.

Invariants (tests/membership check them after every scenario):
- `membership.points_balance` changes only in `change_points`, by an atomic
  conditional UPDATE, so it never goes below zero even under concurrency
  (SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL re-checks the
  WHERE on the locked row);
- every change appends one immutable PointsEntry whose `balance_after` is the
  balance the UPDATE returned, so balance == sum(delta) == sum(lot.remaining);
- whoever changes a membership's points takes its row lock first and its lots
  after, so two writers never deadlock (a merge locks its memberships in id order);
- a merge moves a balance with a MERGE pair (`transfer_balance`): the source's
  entries stay where they are, its lots move with their dates, and the target's
  qualifying points count the source's entries from then on (`ledger_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db import audit, outbox
from db.base import new_id, utcnow
from db.models.customers import Customer
from db.models.membership import (
    Membership,
    MembershipTier,
    PointsEntry,
    PointsLot,
    PointsReason,
    TierChange,
)
from resolvers.common.errors import DomainError, ErrorCode

QUALIFYING_WINDOW = timedelta(days=365)
# The most a balance (and the qualifying points) may hold: GraphQL's Int, so a
# committed balance can always be read back; far inside the BIGINT column.
MAX_POINTS = 2**31 - 1
_LOT_BATCH = 100


async def lock_membership(session: AsyncSession, membership_id: int) -> Membership | None:
    """The membership, re-read under its row lock (PostgreSQL; SQLite holds the write lock)."""
    stmt = (
        select(Membership).where(Membership.id == membership_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    return await session.scalar(stmt)


async def change_points(
    session: AsyncSession, membership: Membership, *, delta: int, reason: PointsReason,
    note: str | None = None, order_id: int | None = None, expires_at: datetime | None = None,
    qualifying_delta: int = 0, qualifies_at: datetime | None = None, at: datetime | None = None,
    lots: list[PointsLot] | None = None, field: tuple[str, ...] = ("points",),
    moves_lots: bool = False,
) -> PointsEntry:
    """Move the balance by `delta` and append its ledger row; INSUFFICIENT_POINTS changes nothing.

    A credit opens a lot that expires at `expires_at`; a debit consumes `lots`
    when given (expiry), else the oldest lots first. `at` backdates the row
    (demo data, imports); live changes leave it None. `moves_lots` (transfer_balance
    only): the lots themselves move between the two memberships, none is opened or consumed.
    """
    if delta == 0 and qualifying_delta == 0:
        raise ValueError("a ledger row must move the balance or the qualifying points")
    stmt = (
        update(Membership)
        .where(Membership.id == membership.id, Membership.points_balance + delta >= 0,
               Membership.points_balance + delta <= MAX_POINTS)
        .values(points_balance=Membership.points_balance + delta)
        .returning(Membership.points_balance, Membership.tier_id, Membership.qualifying_points)
        .execution_options(synchronize_session=False)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        if delta > 0:
            raise DomainError(ErrorCode.INVALID, f"the balance would exceed {MAX_POINTS} points", field)
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS, f"the balance does not cover {-delta} points", field
        )
    balance, tier_id, qualifying = row
    # Stamped under the row lock, so one membership's rows order as its changes committed.
    at = at or utcnow()
    # The UPDATE bypassed the ORM: refresh the loaded row and audit by hand.
    for key, value in (("points_balance", balance), ("tier_id", tier_id), ("qualifying_points", qualifying)):
        set_committed_value(membership, key, value)
    audit.record(
        session.sync_session, tenant_id=membership.tenant_id, entity_type="Membership",
        entity_id=membership.id, changes={"points_balance": [balance - delta, balance]},
    )
    entry = PointsEntry(
        id=new_id(), tenant_id=membership.tenant_id, membership_id=membership.id, delta=delta,
        balance_after=balance, reason=reason, note=note, order_id=order_id,
        expires_at=expires_at if delta > 0 else None, qualifying_delta=qualifying_delta,
        qualifies_at=qualifies_at, created_at=at,
    )
    session.add(entry)
    await session.flush()
    if moves_lots:
        pass
    elif delta > 0:
        session.add(PointsLot(
            tenant_id=membership.tenant_id, membership_id=membership.id, entry_id=entry.id,
            points=delta, remaining=delta, expires_at=expires_at, created_at=at,
        ))
    elif delta < 0:
        await _consume(session, membership.id, -delta, lots)
    await session.flush()
    outbox.emit(
        session, "POINTS_CHANGED", subject=membership, node_id=await customer_node_id(session, membership),
        data={"membershipId": membership.id, "delta": delta, "balance": balance, "reason": reason.value,
              "orderId": order_id},
    )
    return entry


async def transfer_balance(
    session: AsyncSession, source: Membership, target: Membership, *, note: str,
    field: tuple[str, ...] = ("mergedIds",),
) -> tuple[PointsEntry, PointsEntry] | None:
    """Move `source`'s whole balance to `target` (both locked by the caller): a MERGE debit and
    credit, and the source's open lots re-pointed with their amounts, dates and expiry, so FIFO
    order and expiry stay what they were. None when the source holds no points."""
    if source.points_balance == 0:
        return None
    points = source.points_balance
    credit = await change_points(session, target, delta=points, reason=PointsReason.MERGE, note=note,
                                 field=field, moves_lots=True)
    debit = await change_points(session, source, delta=-points, reason=PointsReason.MERGE, note=note,
                                field=field, moves_lots=True)
    await session.execute(
        update(PointsLot).where(PointsLot.membership_id == source.id, PointsLot.remaining > 0)
        .values(membership_id=target.id).execution_options(synchronize_session=False)
    )
    return debit, credit


async def live_membership_id(session: AsyncSession, membership_id: int) -> int:
    """The membership holding `membership_id`'s points: itself, or the one it was merged into."""
    merged = await session.scalar(select(Membership.merged_into_id).where(Membership.id == membership_id))
    return merged or membership_id


def ledger_of(membership_id: int) -> Any:
    """The memberships whose entries count for `membership_id`: itself and those merged into it."""
    return select(Membership.id).where(
        (Membership.id == membership_id) | (Membership.merged_into_id == membership_id)
    )


def take_fifo(lots: Sequence[PointsLot], points: int) -> int:
    """Take up to `points` from `lots` in their order; return what is still owed."""
    for lot in lots:
        if points == 0:
            break
        taken = min(lot.remaining, points)
        lot.remaining -= taken
        points -= taken
    return points


async def _consume(session: AsyncSession, membership_id: int, points: int, lots: list[PointsLot] | None) -> None:
    """Take `points` from the given lots, else from the oldest lots with points left."""
    if lots is not None:
        points = take_fifo(lots, points)
    while points > 0:
        batch = (await session.scalars(
            select(PointsLot)
            .where(PointsLot.membership_id == membership_id, PointsLot.remaining > 0)
            .order_by(PointsLot.created_at, PointsLot.id).limit(_LOT_BATCH)
        )).all()
        if not batch:
            raise RuntimeError(f"lots of membership {membership_id} do not cover its balance")
        points = take_fifo(batch, points)
        await session.flush()


async def customer_node_id(session: AsyncSession, membership: Membership) -> int | None:
    """The member's node, for scoping the events a change emits."""
    cache: dict[int, int | None] = session.info.setdefault("member_node_ids", {})
    if membership.customer_id not in cache:
        cache[membership.customer_id] = await session.scalar(
            select(Customer.node_id).where(Customer.id == membership.customer_id)
        )
    return cache[membership.customer_id]


async def qualifying_points(session: AsyncSession, membership_id: int, at: datetime) -> int:
    """Points earned minus refunded in the trailing 12 months up to `at`, merged memberships'
    entries included."""
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.qualifying_delta), 0)).where(
            PointsEntry.membership_id.in_(ledger_of(membership_id)),
            PointsEntry.qualifies_at > at - QUALIFYING_WINDOW,
            PointsEntry.qualifies_at <= at,
        )
    )
    return min(max(int(total or 0), 0), MAX_POINTS)


def tier_target(thresholds: Sequence[int], current: int, qualifying: int) -> int:
    """The tier index to move to: the highest reached if above `current`, else one step down."""
    reached = max(i for i, t in enumerate(thresholds) if t <= qualifying or i == 0)
    return reached if reached >= current else current - 1


async def evaluate_tier(
    session: AsyncSession, membership: Membership, *, cause: str, at: datetime | None = None,
) -> TierChange | None:
    """Recompute qualifying points and move the tier: up at once, down one step at most."""
    at = at or utcnow()
    qualifying = await qualifying_points(session, membership.id, at)
    tiers = (await session.scalars(
        select(MembershipTier).where(MembershipTier.program_id == membership.program_id)
        .order_by(MembershipTier.rank)
    )).all()
    current = next(i for i, t in enumerate(tiers) if t.id == membership.tier_id)
    target = tier_target([t.threshold for t in tiers], current, qualifying)
    if membership.qualifying_points != qualifying:
        membership.qualifying_points = qualifying
    if target == current:
        await session.flush()
        return None
    direction = "upgrade" if target > current else "downgrade"
    return await record_tier_change(
        session, membership, tiers[target],
        reason=f"{direction} after {cause}: {qualifying} qualifying points", at=at,
        from_tier=tiers[current],
    )


async def record_tier_change(
    session: AsyncSession, membership: Membership, to_tier: MembershipTier, *, reason: str,
    at: datetime, from_tier: MembershipTier | None,
) -> TierChange:
    membership.tier_id = to_tier.id
    membership.tier_changed_at = at
    change = TierChange(
        tenant_id=membership.tenant_id, membership_id=membership.id,
        from_tier_id=from_tier.id if from_tier else None, to_tier_id=to_tier.id, reason=reason, at=at,
    )
    session.add(change)
    await session.flush()
    outbox.emit(
        session, "TIER_CHANGED", subject=membership, node_id=await customer_node_id(session, membership),
        data={"membershipId": membership.id, "from": from_tier.name if from_tier else None,
              "to": to_tier.name, "reason": reason},
    )
    return change
