"""Generator steps for memberships and orders (see bench/generate.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from rich.progress import Progress

from bench.generate import COUNTRIES, Generated, Scale, _insert, _pareto_weights
from db.base import new_id
from db.models.membership import (
    Membership,
    MembershipProgram,
    MembershipTier,
    PointsEntry,
    PointsLot,
)
from db.models.orders import ExchangeRate, Order, OrderLine
from db.session import Database

# Rates into EUR (the bench tenant's reporting currency), fixed: exact totals are not the point here.
RATES = {"EUR": Decimal("1"), "GBP": Decimal("1.17"), "CNY": Decimal("0.128"), "JPY": Decimal("0.0061"),
         "BRL": Decimal("0.17"), "USD": Decimal("0.92")}
MINOR = {"JPY": 0}
TIERS = [("Green", 0), ("Silver", 1000), ("Gold", 5000), ("Platinum", 20000)]
SKUS = [("TEE-01", "Organic tee", 1990), ("JNS-02", "Slim jeans", 7990), ("SNK-03", "Canvas sneakers", 5990),
        ("BAG-04", "Tote bag", 2490), ("JKT-05", "Rain jacket", 12990), ("CAP-06", "Cap", 1490)]


async def memberships(db: Database, rng: random.Random, scale: Scale, gen: Generated, progress: Progress) -> None:
    """One program at HQ, four tiers; 30% of customers enrolled, one EARN lot each."""
    now = datetime.now(UTC)
    program_id = new_id()
    await _insert(db, gen.tenant_id, MembershipProgram, iter([{
        "tenant_id": gen.tenant_id, "id": program_id, "name": "Canopy Club", "currency": "EUR",
        "points_per_unit": Decimal("1"), "points_expiry_days": 365, "created_at": now}]), 1, progress, "programs")
    tier_ids = [new_id() for _ in TIERS]
    await _insert(db, gen.tenant_id, MembershipTier, iter([
        {"tenant_id": gen.tenant_id, "id": tid, "program_id": program_id, "name": name, "rank": rank,
         "threshold": threshold, "benefits": {}} for rank, (tid, (name, threshold)) in enumerate(zip(tier_ids, TIERS, strict=True))
    ]), len(TIERS), progress, "tiers")
    async with db.transaction(tenant_id=gen.tenant_id) as session:
        from sqlalchemy import update

        from db.models.tree import TierNode

        await session.execute(update(TierNode).where(TierNode.id == gen.root_id)
                              .values(membership_program_id=program_id))
    members = [c for c in gen.customers if rng.random() < 0.3]
    rows, entries, lots = [], [], []
    for cid in members:
        points = int(rng.paretovariate(1.3) * 300)
        tier = max(i for i, (_n, t) in enumerate(TIERS) if points >= t)
        mid, eid = new_id(), new_id()
        joined = now - timedelta(days=rng.uniform(0, 700))
        rows.append({"tenant_id": gen.tenant_id, "id": mid, "program_id": program_id, "customer_id": cid,
                     "tier_id": tier_ids[tier], "points_balance": points, "qualifying_points": points,
                     "joined_at": joined})
        entries.append({"tenant_id": gen.tenant_id, "id": eid, "membership_id": mid, "delta": points,
                        "balance_after": points, "reason": "EARN", "qualifying_delta": points,
                        "qualifies_at": joined, "created_at": joined, "expires_at": None})
        lots.append({"tenant_id": gen.tenant_id, "id": new_id(), "membership_id": mid, "entry_id": eid,
                     "points": points, "remaining": points, "expires_at": None, "created_at": joined})
    gen.members = len(rows)
    await _insert(db, gen.tenant_id, Membership, iter(rows), len(rows), progress, "memberships")
    await _insert(db, gen.tenant_id, PointsEntry, iter(entries), len(entries), progress, "points entries")
    await _insert(db, gen.tenant_id, PointsLot, iter(lots), len(lots), progress, "points lots")


async def orders(db: Database, rng: random.Random, scale: Scale, gen: Generated, progress: Progress) -> None:
    """Pareto spend: a few customers place many orders; 1-3 lines each; a year of history."""
    today = date.today()
    rate_rows = [{"tenant_id": gen.tenant_id, "id": new_id(), "currency": cur, "day": today - timedelta(days=400),
                  "rate": rate} for cur, rate in RATES.items() if cur != "EUR"]
    await _insert(db, gen.tenant_id, ExchangeRate, iter(rate_rows), len(rate_rows), progress, "rates")
    currency_of = {code: cur for code, _l, _g, cur, _t, _p in COUNTRIES}
    store_of = gen.customer_stores
    buyers = rng.choices(gen.customers, weights=_pareto_weights(rng, len(gen.customers)), k=scale.orders)
    now = datetime.now(UTC)
    lines: list[dict[str, Any]] = []

    def rows() -> Any:
        for i, cid in enumerate(buyers):
            store_id, country = store_of[cid]
            currency = currency_of[country]
            factor = Decimal(10) ** (2 - MINOR.get(currency, 2))
            oid = new_id()
            subtotal = 0
            for pos in range(rng.choice([1, 1, 2, 3])):
                sku, name, price = rng.choice(SKUS)
                qty = rng.choice([1, 1, 1, 2])
                unit = int(Decimal(price) / factor) if currency != "JPY" else price  # JPY: whole yen
                subtotal += unit * qty
                lines.append({"tenant_id": gen.tenant_id, "id": new_id(), "order_id": oid, "position": pos,
                              "sku": sku, "name": name, "quantity": qty, "unit_price_minor": unit,
                              "total_minor": unit * qty})
            rate = RATES[currency]
            reporting = int((Decimal(subtotal) / (Decimal(10) ** MINOR.get(currency, 2)) * rate * 100)
                            .to_integral_value())
            placed = now - timedelta(days=rng.uniform(0, 365))
            status = rng.choices(["PAID", "FULFILLED", "REFUNDED", "CANCELLED", "PENDING"], [40, 45, 4, 4, 7])[0]
            yield {"tenant_id": gen.tenant_id, "id": oid, "number": f"B-{i + 1:08d}", "customer_id": cid,
                   "store_id": store_id, "status": status, "currency": currency, "subtotal_minor": subtotal,
                   "discount_minor": 0, "total_minor": subtotal, "reporting_currency": "EUR", "rate": rate,
                   "total_reporting_minor": reporting, "points_earned": 0, "placed_at": placed,
                   "paid_at": placed if status in {"PAID", "FULFILLED", "REFUNDED"} else None,
                   "created_at": placed, "updated_at": placed}

    await _insert(db, gen.tenant_id, Order, rows(), scale.orders, progress, "orders")
    await _insert(db, gen.tenant_id, OrderLine, iter(lines), len(lines), progress, "order lines")
