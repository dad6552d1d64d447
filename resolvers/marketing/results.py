"""Campaign.results: per group (treatment, holdout) its customers, converted customers, orders and
revenue in the campaign window, and the uplift of treatment over holdout (resolvers/marketing/stats.py).

Two statements: one aggregate over recipients LEFT JOIN their paid orders (PAID, FULFILLED, any
store) placed in [startsAt, endsAt), grouped per customer then per group (count, sums and the sum
of squares of revenue per customer, exact integers in minor units of the reporting currency); one
count of the campaign's coupons redeemed. The rest is a little Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Numeric, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.marketing import Campaign, CampaignRecipient, Group
from db.models.membership import Coupon, CouponStatus
from db.models.orders import Order
from resolvers.common.viewer import Viewer
from resolvers.marketing import stats
from resolvers.marketing.campaigns import campaign_in_scope
from resolvers.orders.queries import SALES

R = CampaignRecipient


@dataclass(frozen=True)
class GroupResult:
    customers: int
    converted: int  # customers with at least one paid order in the window
    orders: int
    revenue_minor: int
    revenue_squares: int  # sum over customers of (revenue per customer)^2, minor units squared

    @property
    def conversion(self) -> float | None:
        return self.converted / self.customers if self.customers else None


@dataclass(frozen=True)
class CampaignResults:
    currency: str
    treatment: GroupResult
    holdout: GroupResult
    coupons_issued: int
    coupons_redeemed: int
    conversion_uplift: stats.Uplift | None
    revenue_uplift: stats.Uplift | None  # per customer, minor units

    @property
    def audience(self) -> int:
        return self.treatment.customers + self.holdout.customers


async def campaign_results(session: AsyncSession, viewer: Viewer, campaign_id: int) -> CampaignResults:
    campaign, _ = await campaign_in_scope(session, viewer, campaign_id)
    return await results_of(session, campaign, viewer.reporting_currency)


async def results_of(session: AsyncSession, campaign: Campaign, currency: str) -> CampaignResults:
    window = and_(Order.customer_id == R.customer_id, Order.status.in_(SALES),
                  Order.placed_at >= campaign.starts_at, Order.placed_at < campaign.ends_at)
    per_customer = (
        select(R.group.label("grp"), R.customer_id, func.count(Order.id).label("orders"),
               func.coalesce(func.sum(Order.total_reporting_minor), 0).label("revenue"))
        .select_from(R).outerjoin(Order, window)
        .where(R.campaign_id == campaign.id).group_by(R.group, R.customer_id).subquery()
    )
    c = per_customer.c
    exact = cast(c.revenue, Numeric(38, 0))  # squares of BIGINT revenue would overflow BIGINT
    rows = (await session.execute(
        select(c.grp, func.count(), func.sum(case((c.orders > 0, 1), else_=0)), func.sum(c.orders),
               func.sum(c.revenue), func.sum(exact * exact)).group_by(c.grp)
    )).all()
    groups = {Group(g): GroupResult(int(n), int(conv or 0), int(o or 0), int(rev or 0), int(sq or 0))
              for g, n, conv, o, rev, sq in rows}
    empty = GroupResult(0, 0, 0, 0, 0)
    t, h = groups.get(Group.TREATMENT, empty), groups.get(Group.HOLDOUT, empty)
    campaign_coupons = select(R.coupon_id).where(R.campaign_id == campaign.id, R.coupon_id.is_not(None))
    issued, redeemed = (await session.execute(
        select(func.count(), func.sum(case((Coupon.status == CouponStatus.REDEEMED, 1), else_=0)))
        .where(Coupon.id.in_(campaign_coupons))
    )).one()
    return CampaignResults(
        currency=currency, treatment=t, holdout=h, coupons_issued=int(issued or 0), coupons_redeemed=int(redeemed or 0),
        conversion_uplift=stats.proportions(t.converted, t.customers, h.converted, h.customers),
        revenue_uplift=stats.welch(t.customers, t.revenue_minor, t.revenue_squares,
                                   h.customers, h.revenue_minor, h.revenue_squares),
    )


def describe(results: CampaignResults) -> dict[str, Any]:
    """A short text-friendly summary (the bot's /campaigns)."""
    return {"audience": results.audience, "treatment": results.treatment.conversion,
            "holdout": results.holdout.conversion, "uplift": results.conversion_uplift}
