"""Membership programs, enrolment, manual adjustments and point redemptions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import list_currencies
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.customers import Customer
from db.models.membership import (
    Membership,
    MembershipProgram,
    MembershipTier,
    PointsEntry,
    PointsReason,
)
from db.models.tree import TierNode, in_subtree
from resolvers.common import idempotency
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.lengths import check_text
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.membership import ledger
from resolvers.tree import rollups

# Ten years: expiry dates stay far from datetime's year 9999 whatever the clock says.
MAX_EXPIRY_DAYS = 3650
# Earnings are capped at ledger.MAX_POINTS whatever the order total, so this only bounds the rate.
MAX_POINTS_PER_UNIT = Decimal(10_000)


@dataclass
class PointsResult:
    """A points mutation's outcome: the membership and the ledger row it wrote (or first wrote)."""

    membership: Membership
    entry: PointsEntry


async def list_programs(session: AsyncSession) -> list[MembershipProgram]:
    """The tenant's membership programs, oldest first."""
    stmt = select(MembershipProgram).order_by(MembershipProgram.created_at, MembershipProgram.id)
    return list((await session.scalars(stmt)).all())


async def effective_program_ids(session: AsyncSession, nodes: Sequence[TierNode]) -> dict[int, int | None]:
    """Per node id, the program set on it or on its nearest ancestor; one query for all nodes."""
    wanted = {a for n in nodes for a in n.ancestor_ids()}
    rows = (await session.execute(
        select(TierNode.id, TierNode.membership_program_id)
        .where(TierNode.id.in_(wanted), TierNode.membership_program_id.is_not(None))
    )).all() if wanted else []
    set_on = dict(rows)
    out: dict[int, int | None] = {}
    for node in nodes:
        chain = [*node.ancestor_ids(), node.id]
        own = {node.id: node.membership_program_id} if node.membership_program_id else {}
        out[node.id] = next(
            (p for nid in reversed(chain) if (p := own.get(nid) or set_on.get(nid))), None
        )
    return out


async def effective_program_id(session: AsyncSession, node: TierNode) -> int | None:
    """The membership program in force at `node` (inherited from the nearest ancestor)."""
    return (await effective_program_ids(session, [node]))[node.id]


def check_positive(problems: Problems, value: Decimal, field: str, *, maximum: Decimal,
                   places: int = 10, allow_zero: bool = False) -> bool:
    """A finite decimal above zero (or at zero), at most `maximum`, with at most `places` decimals."""
    ok = value.is_finite() and (value >= 0 if allow_zero else value > 0) and value <= maximum
    if not ok:
        low = "0" if allow_zero else "above 0"
        problems.add(ErrorCode.INVALID, f"must be {low} and at most {maximum}", field)
    elif -value.normalize().as_tuple().exponent > places:  # type: ignore[operator]
        problems.add(ErrorCode.INVALID, f"at most {places} decimals", field)
        ok = False
    return ok


def _check_program(
    name: str, currency: str, points_per_unit: Decimal, expiry_days: int | None,
    tiers: Sequence[dict[str, Any]],
) -> None:
    problems = Problems()
    check_text(problems, name, "name", max_length=200)
    if currency not in list_currencies():
        problems.add(ErrorCode.INVALID, f"unknown currency {currency!r}", "currency")
    check_positive(problems, points_per_unit, "pointsPerUnit", maximum=MAX_POINTS_PER_UNIT)
    if expiry_days is not None and not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
        problems.add(ErrorCode.INVALID, f"pointsExpiryDays must be 1..{MAX_EXPIRY_DAYS} (or null: never)",
                     "pointsExpiryDays")
    if not tiers:
        problems.add(ErrorCode.INVALID, "a program needs at least one tier", "tiers")
    ranks = [t["rank"] for t in tiers]
    if len(set(ranks)) != len(ranks):
        problems.add(ErrorCode.INVALID, "tier ranks must be distinct", "tiers")
    ladder = sorted(tiers, key=lambda t: t["rank"])
    for i, tier in enumerate(tiers):
        check_text(problems, tier["name"], ("tiers", i, "name"), max_length=100)
        if not 0 <= tier["threshold"] <= ledger.MAX_POINTS:
            problems.add(ErrorCode.INVALID, f"must be 0..{ledger.MAX_POINTS}", ("tiers", i, "threshold"))
        if tier.get("benefits") is not None and not isinstance(tier["benefits"], dict):
            problems.add(ErrorCode.INVALID, "benefits must be a JSON object", ("tiers", i, "benefits"))
        if ladder and tier is ladder[0] and tier["threshold"] != 0:
            problems.add(ErrorCode.INVALID, "the lowest tier, where members start, needs threshold 0",
                         ("tiers", i, "threshold"))
    if any(a["threshold"] >= b["threshold"] for a, b in zip(ladder, ladder[1:], strict=False)):
        problems.add(ErrorCode.INVALID, "thresholds must rise with rank", "tiers")
    problems.raise_if_any()


async def create_program(
    session: AsyncSession, viewer: Viewer, *, name: str, currency: str, points_per_unit: Decimal,
    points_expiry_days: int | None, tiers: Sequence[dict[str, Any]],
) -> MembershipProgram:
    require(viewer, "program.write")
    currency = currency.strip().upper()
    _check_program(name, currency, points_per_unit, points_expiry_days, tiers)
    program = MembershipProgram(
        tenant_id=viewer.tenant_id, name=name.strip(), currency=currency,
        points_per_unit=points_per_unit, points_expiry_days=points_expiry_days,
    )
    session.add(program)
    await session.flush()
    session.add_all(
        MembershipTier(
            tenant_id=viewer.tenant_id, program_id=program.id, name=t["name"].strip(), rank=t["rank"],
            threshold=t["threshold"], benefits=t.get("benefits") or {},
        )
        for t in tiers
    )
    await session.flush()
    return program


async def enroll_member(
    session: AsyncSession, viewer: Viewer, *, customer_id: int, program_id: int | None = None,
) -> Membership:
    """Enrol a customer in `program_id`, by default the program in force at their node."""
    require(viewer, "membership.write")
    row = (await session.execute(
        select(Customer, TierNode).join(TierNode, TierNode.id == Customer.node_id)
        .where(Customer.id == customer_id)
    )).first()
    if row is None or not viewer.in_scope(row[1].path) or row[0].erased_at is not None:
        raise not_found("customer", "customerId")
    customer, node = row
    if program_id is None:
        program_id = await effective_program_id(session, node)
        if program_id is None:
            raise not_found("membership program in force at the customer's node", "programId")
    program = await session.get(MembershipProgram, (viewer.tenant_id, program_id))
    if program is None:
        raise not_found("membership program", "programId")
    conflict = DomainError(ErrorCode.CONFLICT, "the customer is already a member of this program", ("customerId",))
    if await session.scalar(select(Membership.id).where(
        Membership.customer_id == customer.id, Membership.program_id == program.id
    )):
        raise conflict
    entry_tier = await session.scalar(
        select(MembershipTier).where(MembershipTier.program_id == program.id)
        .order_by(MembershipTier.rank).limit(1)
    )
    assert entry_tier is not None
    now = utcnow()
    membership = Membership(
        tenant_id=viewer.tenant_id, program_id=program.id, customer_id=customer.id,
        tier_id=entry_tier.id, joined_at=now,
    )
    try:
        async with session.begin_nested():  # a concurrent enrolment of the same customer
            session.add(membership)
            await session.flush()
    except IntegrityError as exc:
        raise conflict from exc
    await ledger.record_tier_change(session, membership, entry_tier, reason="enrolled", at=now, from_tier=None)
    return membership


async def member_in_scope(session: AsyncSession, viewer: Viewer, membership_id: int) -> Membership:
    """The membership if its customer lies in the viewer's subtree, else NOT_FOUND."""
    row = (await session.execute(
        select(Membership, TierNode.path)
        .join(Customer, Customer.id == Membership.customer_id)
        .join(TierNode, TierNode.id == Customer.node_id)
        .where(Membership.id == membership_id)
    )).first()
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("membership", "membershipId")
    return row[0]


async def _replayed(session: AsyncSession, viewer: Viewer, claim: idempotency.Claim) -> PointsResult | None:
    """The first result of a replayed key (seen through the scope of whoever replays it)."""
    if claim.replay_id is None:
        return None
    entry = await session.get(PointsEntry, (viewer.tenant_id, claim.replay_id))
    if entry is None:
        raise DomainError(ErrorCode.CONFLICT, "this idempotencyKey has no result to replay", ("idempotencyKey",))
    return PointsResult(await member_in_scope(session, viewer, entry.membership_id), entry)


async def adjust_points(
    session: AsyncSession, viewer: Viewer, *, membership_id: int, delta: int, reason: str,
    idempotency_key: str | None = None,
) -> PointsResult:
    """A manual correction by a manager; credits expire like earned points."""
    require(viewer, "points.adjust")
    problems = Problems()
    if delta == 0:
        problems.add(ErrorCode.INVALID, "delta must not be zero", "delta")
    check_text(problems, reason, "reason", max_length=500)
    problems.raise_if_any()
    claim = await idempotency.claim(
        session, operation="adjustPoints", key=idempotency_key,
        payload={"membershipId": membership_id, "delta": delta, "reason": reason},
    )
    if (replay := await _replayed(session, viewer, claim)) is not None:
        return replay
    membership = await member_in_scope(session, viewer, membership_id)
    now = utcnow()
    expires_at = None
    if delta > 0:
        program = await session.get(MembershipProgram, (viewer.tenant_id, membership.program_id))
        assert program is not None
        expires_at = expiry_of(program, now)
    entry = await ledger.change_points(
        session, membership, delta=delta, reason=PointsReason.ADJUST, note=reason.strip(),
        expires_at=expires_at, field=("delta",),
    )
    await ledger.evaluate_tier(session, membership, cause="an adjustment")
    claim.complete(entry.id)
    return PointsResult(membership, entry)


async def redeem_points(
    session: AsyncSession, viewer: Viewer, *, membership_id: int, points: int,
    note: str | None = None, idempotency_key: str | None = None,
) -> PointsResult:
    require(viewer, "points.redeem")
    problems = Problems()
    if points <= 0:
        problems.add(ErrorCode.INVALID, "points must be positive", "points")
    check_text(problems, note, "note", max_length=500, required=False)
    problems.raise_if_any()
    claim = await idempotency.claim(
        session, operation="redeemPoints", key=idempotency_key,
        payload={"membershipId": membership_id, "points": points, "note": note},
    )
    if (replay := await _replayed(session, viewer, claim)) is not None:
        return replay
    membership = await member_in_scope(session, viewer, membership_id)
    entry = await ledger.change_points(
        session, membership, delta=-points, reason=PointsReason.REDEEM,
        note=note.strip() if note and note.strip() else None, field=("points",),
    )
    claim.complete(entry.id)
    return PointsResult(membership, entry)


def expiry_of(program: MembershipProgram, at: datetime) -> datetime | None:
    """When points credited at `at` expire under `program` (None: never)."""
    days = program.points_expiry_days
    return at + timedelta(days=days) if days else None


def customers_in_tiers(tier_ids: Sequence[int]) -> Any:
    """A customer filter condition: members of any of these tiers (CustomerFilter.tierIds)."""
    return Customer.id.in_(select(Membership.customer_id).where(Membership.tier_id.in_(list(tier_ids))))


def _member_count(scope: rollups.RollupScope) -> Any:
    """Memberships of customers in the subtree, joined in the scope's period."""
    return (
        select(func.count()).select_from(Membership)
        .join(Customer, (Customer.tenant_id == Membership.tenant_id) & (Customer.id == Membership.customer_id))
        .join(TierNode, (TierNode.tenant_id == Customer.tenant_id) & (TierNode.id == Customer.node_id))
        .where(Membership.tenant_id == scope.tenant_id, in_subtree(TierNode.path, scope.path),
               Customer.merged_into_id.is_(None), *rollups.in_range(Membership.joined_at, scope))
        .scalar_subquery()
    )


rollups.register("member_count", _member_count)
