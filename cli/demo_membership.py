"""Demo loyalty data: two programs, a share of the demo customers enrolled with histories.

Runs after the customers seeder (it enrols the customers it finds in the stores).
Histories are bulk-loaded like an import would: built in memory with the
ledger's own FIFO and tier rules (`ledger.take_fifo`, `ledger.tier_target`)
and inserted in a few statements, since a live change per row would cost
tens of seconds on SQLite. tests/membership/test_demo.py proves the result
keeps every ledger invariant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import new_id, utcnow
from db.models.core import Role, Staff
from db.models.customers import Customer
from db.models.membership import (
    Coupon,
    CouponStatus,
    Membership,
    MembershipProgram,
    MembershipTier,
    PointsEntry,
    PointsLot,
    PointsReason,
    TierChange,
)
from db.models.tree import TierNode
from resolvers.common.viewer import Viewer
from resolvers.membership import coupons, ledger
from resolvers.membership.programs import create_program, effective_program_ids, expiry_of

SHARE = 0.3  # of the customers found

PROGRAMS = [
    # (node code, name, currency, points per unit, expiry days, tiers)
    ("HQ", "Canopy Rewards", "EUR", Decimal("1"), 365, [
        ("Member", 0, {}), ("Silver", 500, {"percentOff": "5"}),
        ("Gold", 2000, {"percentOff": "10", "freeShipping": True}),
        ("Platinum", 5000, {"percentOff": "15", "freeShipping": True, "lounge": True}),
    ]),
    ("APAC", "Canopy Club Asia-Pacific", "USD", Decimal("2"), None, [
        ("Jade", 0, {}), ("Pearl", 800, {"percentOff": "5"}), ("Diamond", 4000, {"percentOff": "12"}),
    ]),
]


async def seed(session: AsyncSession, tenant: Any, stores: list[TierNode], rng: random.Random) -> None:
    viewer = await _admin_viewer(session, tenant.id)
    ladders: dict[int, tuple[MembershipProgram, list[MembershipTier]]] = {}
    for code, name, currency, rate, days, tiers in PROGRAMS:
        program = await create_program(
            session, viewer, name=name, currency=currency, points_per_unit=rate, points_expiry_days=days,
            tiers=[{"name": n, "rank": i, "threshold": t, "benefits": b} for i, (n, t, b) in enumerate(tiers)],
        )
        node = await session.scalar(select(TierNode).where(TierNode.code == code))
        if node is not None:
            node.membership_program_id = program.id
        ladder = (await session.scalars(
            select(MembershipTier).where(MembershipTier.program_id == program.id).order_by(MembershipTier.rank)
        )).all()
        ladders[program.id] = (program, list(ladder))
    await session.flush()
    program_at = await effective_program_ids(session, stores)
    customers = (await session.execute(
        select(Customer.id, Customer.node_id)
        .where(Customer.node_id.in_([s.id for s in stores]), Customer.erased_at.is_(None)).order_by(Customer.id)
    )).all()
    now = utcnow()
    histories = [
        _History(tenant.id, *ladders[program_at[node_id]], customer_id, now, rng).build()
        for customer_id, node_id in rng.sample(list(customers), int(len(customers) * SHARE))
    ]
    # Without relationship() the flush does not order tables: parents go first, by hand.
    for rows_of in (lambda h: [h.member], lambda h: h.entries, lambda h: [*h.lots, *h.changes, *h.coupons]):
        session.add_all(row for h in histories for row in rows_of(h))
        await session.flush()


async def _admin_viewer(session: AsyncSession, tenant_id: int) -> Viewer:
    admin = await session.scalar(select(Staff).where(Staff.role == Role.ADMIN).order_by(Staff.created_at).limit(1))
    assert admin is not None
    scope = await session.get(TierNode, (tenant_id, admin.scope_node_id))
    assert scope is not None
    return Viewer(staff_id=admin.id, tenant_id=tenant_id, role=Role.ADMIN, scope_node_id=scope.id,
                  scope_path=scope.path, name=admin.name, email=admin.email)


@dataclass
class _History:
    """18 months of one member: purchases, redemptions, goodwill, expiry, tier, a coupon."""

    tenant_id: int
    program: MembershipProgram
    tiers: list[MembershipTier]
    customer_id: int
    now: datetime
    rng: random.Random
    entries: list[PointsEntry] = field(default_factory=list)
    lots: list[PointsLot] = field(default_factory=list)
    changes: list[TierChange] = field(default_factory=list)
    coupons: list[Coupon] = field(default_factory=list)
    balance: int = 0

    def build(self) -> _History:
        rng, now = self.rng, self.now
        days = sorted(rng.sample(range(1, 540), rng.randint(1, 12)), reverse=True)
        joined = now - timedelta(days=days[0] + rng.randint(0, 60))
        self.member = Membership(
            id=new_id(), tenant_id=self.tenant_id, program_id=self.program.id, customer_id=self.customer_id,
            tier_id=self.tiers[0].id, joined_at=joined,
        )
        spender = rng.random() * 2
        for days_ago in days:
            at = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
            self._expire(at)
            roll = rng.random()
            if roll < 0.7 or self.balance < 50:
                points = int(rng.lognormvariate(4.5, 0.9) * spender * float(self.program.points_per_unit)) + 1
                self._post(points, PointsReason.EARN, "in-store purchase", at, qualifying=True)
            elif roll < 0.93:
                self._post(-rng.randint(1, self.balance // 50) * 50, PointsReason.REDEEM, "reward voucher", at)
            else:
                self._post(rng.choice([25, 50, 100]), PointsReason.ADJUST, "goodwill: delayed delivery", at)
        self._expire(now)
        self.changes = self._tier_changes(joined)
        self.coupons = self._coupon()
        return self

    def _post(self, delta: int, reason: PointsReason, note: str, at: datetime, *, qualifying: bool = False,
              lots: list[PointsLot] | None = None) -> None:
        self.balance += delta
        entry = PointsEntry(
            id=new_id(), tenant_id=self.tenant_id, membership_id=self.member.id, delta=delta,
            balance_after=self.balance, reason=reason, note=note, created_at=at,
            expires_at=expiry_of(self.program, at) if delta > 0 else None,
            qualifying_delta=delta if qualifying else 0, qualifies_at=at if qualifying else None,
        )
        self.entries.append(entry)
        if delta > 0:
            self.lots.append(PointsLot(
                tenant_id=self.tenant_id, membership_id=self.member.id, entry_id=entry.id, points=delta,
                remaining=delta, expires_at=entry.expires_at, created_at=at,
            ))
        else:
            assert ledger.take_fifo(lots if lots is not None else self.lots, -delta) == 0

    def _expire(self, at: datetime) -> None:
        due = [lot for lot in self.lots if lot.remaining and lot.expires_at and lot.expires_at <= at]
        if due:
            when = max(lot.expires_at for lot in due if lot.expires_at)
            self._post(-sum(lot.remaining for lot in due), PointsReason.EXPIRE,
                       f"{len(due)} credit(s) reached their expiry", when, lots=due)

    def _tier_changes(self, joined: datetime) -> list[TierChange]:
        window = self.now - ledger.QUALIFYING_WINDOW
        qualifying = sum(e.qualifying_delta for e in self.entries if e.qualifies_at and e.qualifies_at > window)
        self.member.points_balance = self.balance
        self.member.qualifying_points = qualifying
        changes = [TierChange(tenant_id=self.tenant_id, membership_id=self.member.id, from_tier_id=None,
                              to_tier_id=self.tiers[0].id, reason="enrolled", at=joined)]
        target = ledger.tier_target([t.threshold for t in self.tiers], 0, qualifying)
        if target > 0:
            at = max(e.created_at for e in self.entries if e.reason == PointsReason.EARN)
            self.member.tier_id = self.tiers[target].id
            self.member.tier_changed_at = at
            changes.append(TierChange(
                tenant_id=self.tenant_id, membership_id=self.member.id, from_tier_id=self.tiers[0].id,
                to_tier_id=self.tiers[target].id, at=at,
                reason=f"upgrade after a purchase: {qualifying} qualifying points",
            ))
        return changes

    def _coupon(self) -> list[Coupon]:
        if self.rng.random() >= 0.25:
            return []
        return [Coupon(
            tenant_id=self.tenant_id, membership_id=self.member.id, customer_id=self.customer_id,
            code=coupons.new_code(), currency=self.program.currency, status=CouponStatus.ISSUED,
            percent_off=Decimal(self.rng.choice(["5", "10", "15"])),
            expires_at=self.now + timedelta(days=self.rng.randint(7, 90)),
        )]
