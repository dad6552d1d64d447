"""Membership programs and tiers, memberships, the points ledger, tier changes, coupons."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import customers as cm
from db.models import membership as m
from db.models import tree as tm
from resolvers.membership.coupons import effective_status
from schema.customers.types import Customer
from schema.loading import MISS, by_id, many_by, peek
from schema.money import Money
from schema.relay import NODE_FETCHERS, Connection, Node, nested_pages, page_args, to_global_id
from schema.tree.types import TierNode

if TYPE_CHECKING:
    from schema.orders.types import Order

PointsReason = strawberry.enum(
    Enum("PointsReason", {r.value: r.value for r in m.PointsReason}), name="PointsReason"  # type: ignore[misc]
)
CouponStatus = strawberry.enum(
    Enum("CouponStatus", {s.value: s.value for s in m.CouponStatus}), name="CouponStatus"  # type: ignore[misc]
)


@strawberry.type(name="MembershipTier")
class MembershipTier(Node):
    row: strawberry.Private[m.MembershipTier]
    id: strawberry.ID
    name: str
    rank: int
    threshold: int = strawberry.field(description="Qualifying points (earned in the trailing 12 months).")
    benefits: JSON

    @classmethod
    def from_row(cls, row: m.MembershipTier) -> MembershipTier:
        return cls(row=row, id=to_global_id("MembershipTier", row.id), name=row.name, rank=row.rank,
                   threshold=row.threshold, benefits=row.benefits or {})


async def load_tier(info: Info, tier_id: int) -> MembershipTier:
    return MembershipTier.from_row(await by_id(info.context, m.MembershipTier).load(tier_id))


@strawberry.type(name="MembershipProgram")
class MembershipProgram(Node):
    row: strawberry.Private[m.MembershipProgram]
    id: strawberry.ID
    name: str
    currency: str
    points_per_unit: Decimal = strawberry.field(description="Points earned per 1 unit of currency paid.")
    points_expiry_days: int | None = strawberry.field(description="null: points never expire.")

    @classmethod
    def from_row(cls, row: m.MembershipProgram) -> MembershipProgram:
        return cls(row=row, id=to_global_id("MembershipProgram", row.id), name=row.name,
                   currency=row.currency, points_per_unit=row.points_per_unit,
                   points_expiry_days=row.points_expiry_days)

    @strawberry.field(description="Lowest rank first.")
    async def tiers(self, info: Info) -> list[MembershipTier]:
        loader = many_by(info.context, m.MembershipTier, m.MembershipTier.program_id,
                         order_by=(m.MembershipTier.rank,))
        return [MembershipTier.from_row(r) for r in await loader.load(self.row.id)]


@strawberry.type(name="PointsEntry")
class PointsEntry(Node):
    row: strawberry.Private[m.PointsEntry]
    id: strawberry.ID
    delta: int
    balance_after: int
    reason: PointsReason  # type: ignore[valid-type]
    note: str | None
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_row(cls, row: m.PointsEntry) -> PointsEntry:
        return cls(row=row, id=to_global_id("PointsEntry", row.id), delta=row.delta,
                   balance_after=row.balance_after, reason=PointsReason[m.PointsReason(row.reason).value],  # type: ignore[index]
                   note=row.note, created_at=row.created_at, expires_at=row.expires_at)

    @strawberry.field(description="The order that earned or refunded these points.")
    async def order(self, info: Info) -> Annotated[Order, strawberry.lazy("schema.orders.types")] | None:
        return await _order(info, self.row.order_id)


@strawberry.type(name="TierChange")
class TierChange:
    row: strawberry.Private[m.TierChange]
    at: datetime
    reason: str

    @classmethod
    def from_row(cls, row: m.TierChange) -> TierChange:
        return cls(row=row, at=row.at, reason=row.reason)

    @strawberry.field(name="from", description="null for the tier a member started in.")
    async def from_(self, info: Info) -> MembershipTier | None:
        return await load_tier(info, self.row.from_tier_id) if self.row.from_tier_id else None

    @strawberry.field
    async def to(self, info: Info) -> MembershipTier:
        return await load_tier(info, self.row.to_tier_id)


@strawberry.type(name="Coupon")
class Coupon(Node):
    row: strawberry.Private[m.Coupon]
    id: strawberry.ID
    code: str
    percent_off: Decimal | None
    expires_at: datetime | None
    redeemed_at: datetime | None

    @classmethod
    def from_row(cls, row: m.Coupon) -> Coupon:
        return cls(row=row, id=to_global_id("Coupon", row.id), code=row.code, percent_off=row.percent_off,
                   expires_at=row.expires_at, redeemed_at=row.redeemed_at)

    @strawberry.field(description="EXPIRED as soon as expiresAt has passed.")
    def status(self) -> CouponStatus:  # type: ignore[valid-type]
        return CouponStatus[effective_status(self.row).value]  # type: ignore[index]

    @strawberry.field
    def amount_off(self) -> Money | None:
        amount = self.row.amount_off_minor
        return Money.of(amount, self.row.currency) if amount is not None else None

    @strawberry.field(description="The smallest order subtotal the coupon applies to.")
    def minimum_total(self) -> Money | None:
        amount = self.row.minimum_total_minor
        return Money.of(amount, self.row.currency) if amount is not None else None

    @strawberry.field
    async def redeemed_order(self, info: Info) -> Annotated[Order, strawberry.lazy("schema.orders.types")] | None:
        return await _order(info, self.row.redeemed_order_id)

    @strawberry.field(description="The subtree where the coupon is valid; null: everywhere.")
    async def node(self, info: Info) -> TierNode | None:
        if self.row.node_id is None:
            return None
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.node_id))


async def _order(info: Info, order_id: int | None) -> Any:
    """The order through the node registry, so an order outside the viewer's scope is null."""
    if order_id is None:
        return None
    return (await NODE_FETCHERS["Order"](info, [order_id]))[0]


LEDGER_ORDER = [(m.PointsEntry.created_at, True), (m.PointsEntry.id, True)]


@strawberry.type(name="Membership")
class Membership(Node):
    row: strawberry.Private[m.Membership]
    id: strawberry.ID
    points_balance: int
    qualifying_points: int = strawberry.field(description="As of the last tier evaluation.")
    joined_at: datetime

    @classmethod
    def from_row(cls, row: m.Membership) -> Membership:
        return cls(row=row, id=to_global_id("Membership", row.id), points_balance=row.points_balance,
                   qualifying_points=row.qualifying_points, joined_at=row.joined_at)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return Customer.from_row(await by_id(info.context, cm.Customer).load(self.row.customer_id))

    @strawberry.field
    async def program(self, info: Info) -> MembershipProgram:
        return MembershipProgram.from_row(await by_id(info.context, m.MembershipProgram).load(self.row.program_id))

    @strawberry.field
    def tier(self, info: Info) -> MembershipTier:
        # Sync when the page prefetched the tiers (see Customer.node for why).
        row = peek(by_id(info.context, m.MembershipTier), self.row.tier_id)
        return load_tier(info, self.row.tier_id) if row is MISS else MembershipTier.from_row(row)  # type: ignore[return-value]

    @strawberry.field(description="Oldest first.")
    async def tier_history(self, info: Info) -> list[TierChange]:
        loader = many_by(info.context, m.TierChange, m.TierChange.membership_id,
                         order_by=(m.TierChange.at, m.TierChange.id))
        return [TierChange.from_row(r) for r in await loader.load(self.row.id)]

    @strawberry.field(description="Newest first.")
    async def points_ledger(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[PointsEntry]:
        load = nested_pages(info.context, "points_ledger", m.PointsEntry, m.PointsEntry.membership_id, LEDGER_ORDER)
        return await load(self.row.id, page_args(first, after), PointsEntry.from_row)

    @strawberry.field(description="Newest first; all statuses unless given.")
    async def coupons(self, info: Info, status: list[CouponStatus] | None = None) -> list[Coupon]:  # type: ignore[valid-type]
        loader = many_by(info.context, m.Coupon, m.Coupon.membership_id,
                         order_by=(m.Coupon.created_at.desc(), m.Coupon.id.desc()))
        wanted = {s.value for s in status} if status else None
        return [
            Coupon.from_row(r) for r in await loader.load(self.row.id)
            if wanted is None or effective_status(r).value in wanted
        ]


def _memberships(info: Info) -> Any:
    return many_by(info.context, m.Membership, m.Membership.customer_id,
                   order_by=(m.Membership.joined_at, m.Membership.id))


async def membership_of(info: Info, customer_id: int) -> Membership | None:
    """The customer's most recent membership (the one `Customer.membership` shows)."""
    rows = await _memberships(info).load(customer_id)
    return Membership.from_row(rows[-1]) if rows else None


def membership_now(info: Info, customer_id: int) -> Any:
    """membership_of when this request already loaded it (prefetch_memberships), else MISS."""
    rows = peek(_memberships(info), customer_id)
    if rows is MISS:
        return MISS
    return Membership.from_row(rows[-1]) if rows else None


async def prefetch_memberships(info: Info, customer_ids: list[int], *, tier: bool) -> None:
    """The memberships of these customers in one batch (and their tiers in another)."""
    found = await _memberships(info).load_many(customer_ids)
    if tier:
        tier_ids = sorted({rows[-1].tier_id for rows in found if rows})
        if tier_ids:
            await by_id(info.context, m.MembershipTier).load_many(tier_ids)


async def _visible_customers(info: Info, customer_ids: list[int | None]) -> list[bool]:
    """Per customer id, whether the customer lies in the viewer's subtree."""
    ctx = info.context
    customers = await by_id(ctx, cm.Customer).load_many([c or 0 for c in customer_ids])
    nodes = await by_id(ctx, tm.TierNode).load_many([c.node_id if c else 0 for c in customers])
    return [n is not None and ctx.viewer.in_scope(n.path) for n in nodes]


async def fetch_programs(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.MembershipProgram).load_many(pks)
    return [MembershipProgram.from_row(r) if r else None for r in rows]


async def fetch_tiers(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.MembershipTier).load_many(pks)
    return [MembershipTier.from_row(r) if r else None for r in rows]


async def fetch_memberships(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.Membership).load_many(pks)
    visible = await _visible_customers(info, [r.customer_id if r else None for r in rows])
    return [Membership.from_row(r) if r and ok else None for r, ok in zip(rows, visible, strict=True)]


async def fetch_points_entries(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.PointsEntry).load_many(pks)
    members = await by_id(info.context, m.Membership).load_many([r.membership_id if r else 0 for r in rows])
    visible = await _visible_customers(info, [mb.customer_id if mb else None for mb in members])
    return [PointsEntry.from_row(r) if r and ok else None for r, ok in zip(rows, visible, strict=True)]


async def fetch_coupons(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.Coupon).load_many(pks)
    visible = await _visible_customers(info, [r.customer_id if r else None for r in rows])
    return [Coupon.from_row(r) if r and ok else None for r, ok in zip(rows, visible, strict=True)]
