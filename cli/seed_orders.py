"""Demo data for `canopy demo`: a year of orders in the stores' currencies with a rate for
every day, tickets (some past their SLA) and interactions, all made through the services."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.core import Role, Staff, Tenant
from db.models.customers import Customer
from db.models.service import InteractionKind, TicketPriority, TicketStatus
from db.models.tree import TierNode
from resolvers.common.money import precision
from resolvers.common.rates import upsert_rates
from resolvers.core.auth import viewer_of
from resolvers.orders import orders
from resolvers.service import interactions, tickets
from resolvers.tree.nodes import settings_of

ORDERS, TICKETS, INTERACTIONS = 500, 80, 200
# Roughly what 1 unit was worth in EUR; the demo walks randomly around it.
EUR_PER_UNIT = {"GBP": "1.17", "USD": "0.92", "CNY": "0.127", "JPY": "0.0061", "AUD": "0.60", "BRL": "0.17"}
CATALOG = [("TEE-01", "Organic tee", "29"), ("JNS-02", "Slim jeans", "89"), ("SNK-03", "Canvas sneakers", "65"),
           ("BAG-04", "Tote bag", "19"), ("JKT-05", "Rain jacket", "149"), ("SCF-06", "Wool scarf", "39")]
SUBJECTS = ["Wrong size delivered", "Refund not received", "Zip broke after a week", "Loyalty points missing",
            "Store staff complaint", "Cannot log in to the app"]
CHANNELS = ["store", "phone", "email", "web", "telegram"]


async def seed(session: AsyncSession, tenant: Tenant, stores: list[TierNode], rng: random.Random) -> None:
    admin = await session.scalar(select(Staff).where(Staff.role == Role.ADMIN).order_by(Staff.created_at).limit(1))
    root = await session.scalar(select(TierNode).where(TierNode.parent_id.is_(None)))
    assert admin is not None and root is not None
    viewer = viewer_of(admin, root.path, reporting_currency=tenant.reporting_currency)
    currency = {s.id: (await settings_of(session, s)).currency or tenant.reporting_currency for s in stores}
    today = utcnow().date()
    days = [today - timedelta(days=n) for n in range(365, -1, -1)]
    rates = _rates(days, {c for c in currency.values() if c != tenant.reporting_currency}, rng)
    await upsert_rates(session, [(c, d, r) for c, by_day in rates.items() for d, r in by_day.items()])
    customers = list((await session.scalars(select(Customer))).all())
    if not customers:
        return  # the customers seeder runs first; without customers there is nobody to sell to
    by_store = {s.id: s for s in stores}
    now = utcnow()
    for _ in range(ORDERS):
        customer = rng.choice(customers)
        store = by_store.get(customer.node_id) or rng.choice(stores)
        placed = datetime.combine(rng.choice(days), time(rng.randint(9, 20), rng.randint(0, 59)), UTC)
        placed = min(placed, now - timedelta(minutes=5))
        cur = currency[store.id]
        factor = Decimal(1) / Decimal(EUR_PER_UNIT.get(cur, "1"))
        lines = [
            orders.LineInput(sku=sku, name=name, quantity=rng.randint(1, 3),
                             unit_price=(Decimal(eur) * factor).quantize(Decimal(1).scaleb(-precision(cur))))
            for sku, name, eur in rng.sample(CATALOG, rng.randint(1, 3))
        ]
        order = await orders.create_order(session, viewer, customer_id=customer.id, store_id=store.id,
                                          currency=cur, lines=lines, placed_at=placed)
        await _advance(session, viewer, order.id, placed, now, rng)
    await _service(session, viewer, customers, now, rng)


def _rates(days: list[Any], currencies: set[str], rng: random.Random) -> dict[str, dict[Any, Decimal]]:
    out: dict[str, dict[Any, Decimal]] = {}
    for cur in sorted(currencies):
        value = Decimal(EUR_PER_UNIT.get(cur, "1"))
        out[cur] = {}
        for day in days:
            value *= Decimal(1 + rng.uniform(-0.004, 0.004)).quantize(Decimal("0.000001"))
            out[cur][day] = value.quantize(Decimal("0.0000000001"))
    return out


async def _advance(session: AsyncSession, viewer: Any, order_id: int, placed: datetime, now: datetime,
                   rng: random.Random) -> None:
    roll = rng.random()
    if now - placed < timedelta(days=7) and roll < 0.5:
        return  # recent and not paid yet: still PENDING
    if roll < 0.06:
        await orders.cancel_order(session, viewer, order_id=order_id)
    else:
        await orders.pay_order(session, viewer, order_id=order_id, at=placed + timedelta(minutes=2))
        if roll < 0.8:
            await orders.fulfill_order(session, viewer, order_id=order_id, at=min(placed + timedelta(days=1), now))
        elif roll > 0.93:
            await orders.refund_order(session, viewer, order_id=order_id, reason="changed their mind")


async def _service(session: AsyncSession, viewer: Any, customers: list[Customer], now: datetime,
                   rng: random.Random) -> None:
    for _ in range(TICKETS):
        priority = rng.choice(list(TicketPriority))
        # Opened up to 1.5 SLA periods ago: about a third end up past their due time.
        age = timedelta(hours=tickets.DEFAULT_SLA_HOURS[priority.value] * rng.uniform(0.05, 1.5))
        ticket = await tickets.open_ticket(
            session, viewer, customer_id=rng.choice(customers).id, subject=rng.choice(SUBJECTS),
            description="Reported by the customer.", priority=priority, opened_at=now - age,
        )
        steps = [TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED]
        for status in steps[: rng.randint(0, 3)]:
            await tickets.update_ticket(session, viewer, ticket_id=ticket.id, status=status)
    for _ in range(INTERACTIONS):
        await interactions.log_interaction(
            session, viewer, customer_id=rng.choice(customers).id, kind=rng.choice(list(InteractionKind)),
            summary=rng.choice(["Asked about sizes", "Follow-up call", "Visited the store", "Newsletter reply"]),
            channel=rng.choice(CHANNELS), occurred_at=now - timedelta(days=rng.uniform(0, 365)),
        )
