"""Campaign.results against a brute-force computation over the same rows; the t quantiles
against the published table."""

from __future__ import annotations

import math
import random
import statistics
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select, update

from db.base import new_id, utcnow
from db.models.marketing import Campaign, CampaignRecipient, Group
from db.models.membership import Coupon, CouponStatus
from db.models.orders import Order, OrderStatus
from resolvers.marketing.stats import Z95, t_quantile
from resolvers.marketing.worker import CampaignWorker
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.marketing.smtp import smtp_server
from tests.marketing.test_campaigns import _launch, _seed, _settings

RESULTS = """query($id: ID!) { node(id: $id) { ... on Campaign { results {
  audience couponsIssued couponsRedeemed
  treatment { customers converted orders revenue { amount currency } conversion revenuePerCustomer { amount } }
  holdout { customers converted orders revenue { amount currency } conversion revenuePerCustomer { amount } }
  conversionUplift { difference differenceLow differenceHigh ratio ratioLow ratioHigh }
  revenuePerCustomerUplift { difference { amount } differenceLow { amount } differenceHigh { amount } ratio ratioLow ratioHigh }
} } } }"""


@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281), (30, 2.0423),
                                          (120, 1.9799)])
def test_t_quantiles_match_the_table(df: int, expected: float) -> None:
    assert round(t_quantile(0.975, df), 4) == expected


def _cents(value: Fraction | float) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(repr(value))
    return str((exact.quantize(Decimal(1), ROUND_HALF_UP) / 100).quantize(Decimal("0.01")))


async def test_results_match_brute_force(api: Api, tenant: Tenant) -> None:
    # given a delivered campaign and orders of its recipients, in and out of the window
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    pk = decode_id(gid, "Campaign")
    with smtp_server() as (_, port):
        await CampaignWorker(api.db, _settings(api, port)).run_once()
    rng = random.Random(5)
    async with api.db.transaction(tenant_id=tenant.id) as session:
        campaign = await session.get(Campaign, (tenant.id, pk))
        recipients = (await session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == pk))).all()
        orders = []
        for i in range(120):
            r = rng.choice(recipients)
            placed = rng.choice([campaign.starts_at - timedelta(days=1), campaign.starts_at + timedelta(hours=1),
                                 campaign.ends_at - timedelta(minutes=1), campaign.ends_at])
            total = rng.randrange(100, 90000)
            status = rng.choice([OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.REFUNDED, OrderStatus.PENDING])
            orders.append(Order(tenant_id=tenant.id, id=new_id(), number=f"O-{i}", customer_id=r.customer_id,
                                store_id=info["store"], status=status, currency="EUR", subtotal_minor=total,
                                total_minor=total, reporting_currency="EUR", rate=Decimal(1),
                                total_reporting_minor=total, placed_at=placed))
        session.add_all(orders)
        coupon_ids = [r.coupon_id for r in recipients if r.coupon_id][:4]
        await session.execute(update(Coupon).where(Coupon.id.in_(coupon_ids)).values(status=CouponStatus.REDEEMED))
    # when
    results = (await api.ok(RESULTS, {"id": gid}))["node"]["results"]
    # then: every figure recomputed from the rows
    in_window = [o for o in orders if o.status in (OrderStatus.PAID, OrderStatus.FULFILLED)
                 and campaign.starts_at <= o.placed_at < campaign.ends_at]
    expected = {}
    for group in Group:
        members = [r.customer_id for r in recipients if r.group is group]
        revenue = [sum(o.total_reporting_minor for o in in_window if o.customer_id == c) for c in members]
        expected[group] = {
            "customers": len(members), "converted": sum(1 for c in members if any(o.customer_id == c for o in in_window)),
            "orders": sum(1 for o in in_window if o.customer_id in members), "revenue": revenue,
        }
    t, h = expected[Group.TREATMENT], expected[Group.HOLDOUT]
    for key, group in (("treatment", t), ("holdout", h)):
        got = results[key]
        assert (got["customers"], got["converted"], got["orders"]) == (group["customers"], group["converted"], group["orders"])
        assert got["revenue"] == {"amount": _cents(Fraction(sum(group["revenue"]))), "currency": "EUR"}
        assert got["conversion"] == group["converted"] / group["customers"]
        assert got["revenuePerCustomer"]["amount"] == _cents(Fraction(sum(group["revenue"]), group["customers"]))
    assert results["audience"] == len(recipients)
    assert results["couponsIssued"] == sum(1 for r in recipients if r.coupon_id) and results["couponsRedeemed"] == 4
    p1, p2 = t["converted"] / t["customers"], h["converted"] / h["customers"]
    se = math.sqrt(p1 * (1 - p1) / t["customers"] + p2 * (1 - p2) / h["customers"])
    cu = results["conversionUplift"]
    assert cu["difference"] == pytest.approx(p1 - p2, abs=1e-12)
    assert (cu["differenceLow"], cu["differenceHigh"]) == pytest.approx((p1 - p2 - 1.959963985 * se, p1 - p2 + 1.959963985 * se))
    assert cu["ratio"] == pytest.approx(p1 / p2)
    log_se = math.sqrt((1 - p1) / t["converted"] + (1 - p2) / h["converted"])
    assert cu["ratioLow"] == pytest.approx(p1 / p2 * math.exp(-Z95 * log_se))
    # Welch, from the per-customer revenues
    m1, m2 = statistics.fmean(t["revenue"]), statistics.fmean(h["revenue"])
    v1, v2 = statistics.variance(t["revenue"]), statistics.variance(h["revenue"])
    a, b = v1 / t["customers"], v2 / h["customers"]
    df = (a + b) ** 2 / (a * a / (t["customers"] - 1) + b * b / (h["customers"] - 1))
    half = t_quantile(0.975, df) * math.sqrt(a + b)
    ru = results["revenuePerCustomerUplift"]
    assert ru["difference"]["amount"] == _cents(m1 - m2)
    assert ru["differenceLow"]["amount"] == _cents(m1 - m2 - half)
    assert ru["differenceHigh"]["amount"] == _cents(m1 - m2 + half)
    assert ru["ratio"] == pytest.approx(m1 / m2)


async def test_results_cost_the_same_for_any_audience(api: Api, tenant: Tenant) -> None:
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    small = await api.statements(RESULTS, {"id": gid})
    async with api.db.transaction(tenant_id=tenant.id) as session:  # a second, larger audience
        pk = decode_id(gid, "Campaign")
        recipients = (await session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == pk))).all()
        for r in recipients[:10]:
            session.add(Order(tenant_id=tenant.id, id=new_id(), number=f"X-{r.id}", customer_id=r.customer_id,
                              store_id=info["store"], status=OrderStatus.PAID, currency="EUR", subtotal_minor=500,
                              total_minor=500, reporting_currency="EUR", rate=Decimal(1), total_reporting_minor=500,
                              placed_at=utcnow()))
    assert await api.statements(RESULTS, {"id": gid}) == small
    assert (await api.ok(RESULTS, {"id": gid}))["node"]["results"]["treatment"]["orders"] > 0
