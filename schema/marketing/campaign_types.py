"""Campaign and CampaignRecipient."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import customers as cm
from db.models import marketing as m
from db.models import tree as tm
from resolvers.marketing import campaigns as service
from schema.customers.types import Customer
from schema.loading import by_id
from schema.marketing.types import Segment, fetch_segments
from schema.money import Money
from schema.relay import Connection, Node, page_args, paginate, to_global_id
from schema.tree.types import TierNode

CampaignStatus = strawberry.enum(m.CampaignStatus, name="CampaignStatus")
CampaignGroup = strawberry.enum(m.Group, name="CampaignGroup")
DeliveryState = strawberry.enum(m.DeliveryState, name="CampaignDeliveryState")


@strawberry.type(name="CampaignRecipient", description="One customer of a launched campaign and what reached them.")
class CampaignRecipient:
    row: strawberry.Private[m.CampaignRecipient]
    group: CampaignGroup  # type: ignore[valid-type]
    coupon_state: DeliveryState  # type: ignore[valid-type]
    email_state: DeliveryState  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="Why a part was skipped or failed (the last word).")
    attempts: int
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: m.CampaignRecipient) -> CampaignRecipient:
        return cls(row=row, group=row.group, coupon_state=row.coupon_state, email_state=row.email_state,
                   reason=row.reason, attempts=row.attempts, sent_at=row.sent_at)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        row = await by_id(info.context, cm.Customer).load(self.row.customer_id)
        return Customer.from_row(row) if row is not None else None

    @strawberry.field
    async def campaign(self, info: Info) -> Annotated[Campaign, strawberry.lazy("schema.marketing.campaign_types")]:
        return Campaign.from_row(await by_id(info.context, m.Campaign).load(self.row.campaign_id))


@strawberry.type(name="CampaignGroupResult", description="One group's outcome in the campaign window.")
class CampaignGroupResult:
    customers: int
    converted: int = strawberry.field(description="Customers with at least one paid order in the window.")
    orders: int
    revenue: Money
    conversion: float | None = strawberry.field(description="converted / customers; null for an empty group.")
    revenue_per_customer: Money | None


@strawberry.type(name="Uplift", description="Treatment minus holdout, and treatment / holdout, with 95 % intervals.")
class Uplift:
    difference: float
    difference_low: float | None
    difference_high: float | None
    ratio: float | None = strawberry.field(description="Null when the holdout's value is 0.")
    ratio_low: float | None
    ratio_high: float | None


@strawberry.type(name="MoneyUplift", description="Per customer, in the reporting currency (Welch's interval).")
class MoneyUplift:
    difference: Money
    difference_low: Money | None
    difference_high: Money | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


@strawberry.type(name="CampaignResults", description="See docs/marketing.md for the statistics.")
class CampaignResults:
    audience: int
    treatment: CampaignGroupResult
    holdout: CampaignGroupResult
    coupons_issued: int
    coupons_redeemed: int
    conversion_uplift: Uplift | None = strawberry.field(description="Two-proportion (Wald) interval; null: a group is empty.")
    revenue_per_customer_uplift: MoneyUplift | None = strawberry.field(description="Null: a group has fewer than 2.")

    @classmethod
    def of(cls, r: Any) -> CampaignResults:
        cur = r.currency

        def money(minor: float | Fraction | None) -> Money | None:
            if minor is None:
                return None
            value = Decimal(minor.numerator) / Decimal(minor.denominator) if isinstance(minor, Fraction) \
                else Decimal(repr(minor))
            exact = value.quantize(Decimal(1), ROUND_HALF_UP)
            return Money.of(int(exact), cur)

        def group(g: Any) -> CampaignGroupResult:
            return CampaignGroupResult(
                customers=g.customers, converted=g.converted, orders=g.orders, revenue=Money.of(g.revenue_minor, cur),
                conversion=g.conversion,
                revenue_per_customer=money(Fraction(g.revenue_minor, g.customers)) if g.customers else None)

        cu, ru = r.conversion_uplift, r.revenue_uplift
        return cls(
            audience=r.audience, treatment=group(r.treatment), holdout=group(r.holdout),
            coupons_issued=r.coupons_issued, coupons_redeemed=r.coupons_redeemed,
            conversion_uplift=Uplift(difference=cu.difference, difference_low=cu.low, difference_high=cu.high,
                                     ratio=cu.ratio, ratio_low=cu.ratio_low, ratio_high=cu.ratio_high) if cu else None,
            revenue_per_customer_uplift=MoneyUplift(
                difference=money(ru.difference), difference_low=money(ru.low), difference_high=money(ru.high),
                ratio=ru.ratio, ratio_low=ru.ratio_low, ratio_high=ru.ratio_high) if ru else None,  # type: ignore[arg-type]
        )


@strawberry.type(name="Campaign")
class Campaign(Node):
    row: strawberry.Private[m.Campaign]
    id: strawberry.ID
    name: str
    status: CampaignStatus  # type: ignore[valid-type]
    holdout_percent: int
    starts_at: datetime
    ends_at: datetime
    quiet_hours_start: int
    quiet_hours_end: int
    launched_at: datetime | None
    completed_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: m.Campaign) -> Campaign:
        return cls(row=row, id=to_global_id("Campaign", row.id), name=row.name, status=row.status,
                   holdout_percent=row.holdout_percent, starts_at=row.starts_at, ends_at=row.ends_at,
                   quiet_hours_start=row.quiet_start_hour, quiet_hours_end=row.quiet_end_hour,
                   launched_at=row.launched_at, completed_at=row.completed_at, created_at=row.created_at)

    @strawberry.field(description="The coupon template: amountOff (store currency) or percentOff, validDays.")
    def coupon(self) -> JSON | None:
        return self.row.coupon

    @strawberry.field(description="The email templates per locale and the default locale.")
    def email(self) -> JSON | None:
        return self.row.email

    @strawberry.field
    async def node(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.node_id))

    @strawberry.field
    async def segment(self, info: Info) -> Segment | None:
        found = await fetch_segments(info, [self.row.segment_id])
        return found[0] if found and isinstance(found[0], Segment) else None

    @strawberry.field(description="Outcome per group in [startsAt, endsAt), reporting currency; after launch.")
    async def results(self, info: Info) -> CampaignResults | None:
        from resolvers.marketing.results import campaign_results

        if self.row.status is m.CampaignStatus.DRAFT:
            return None
        async with info.context.read() as session:
            return CampaignResults.of(await campaign_results(session, info.context.viewer, self.row.id))

    @strawberry.field(description="The snapshotted audience, in id order (after launch).")
    async def recipients(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[CampaignRecipient]:
        return await paginate(info.context, service.recipients_query(info.context.viewer, self.row.id), order=[(m.CampaignRecipient.id, False)],
                              args=page_args(first, after), convert=CampaignRecipient.from_row)


async def fetch_campaigns(info: Info, pks: list[int]) -> list[Any]:
    ctx = info.context
    from resolvers.common.permissions import can

    if not can(ctx.viewer, "campaign.read"):
        return [None] * len(pks)
    rows = await by_id(ctx, m.Campaign).load_many(pks)
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [Campaign.from_row(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
            for r, n in zip(rows, nodes, strict=True)]


async def customer_campaigns(info: Info, customer_id: int) -> list[CampaignRecipient]:
    """Customer.campaigns, batched over the request's customers (one statement)."""
    ctx = info.context
    from resolvers.common.permissions import can

    if not can(ctx.viewer, "campaign.read"):
        return []

    async def load(session: Any, ids: Any) -> list[list[CampaignRecipient]]:
        found = await service.recipients_received(session, ctx.viewer, list(ids))
        return [[CampaignRecipient.from_row(r) for r, _ in pairs] for pairs in found]

    return await ctx.loader("customer_campaigns", load).load(customer_id)
