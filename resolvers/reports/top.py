"""topCustomers: the subtree's customers ranked by lifetime value or by order count."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.customers import Customer
from db.models.orders import Order
from db.models.tree import TierNode, in_subtree
from resolvers.common.errors import invalid
from resolvers.common.viewer import Viewer
from resolvers.orders.queries import SALES
from resolvers.reports.common import report_scope

MAX_TOP = 100


class TopBy(enum.StrEnum):
    LIFETIME_VALUE = "LIFETIME_VALUE"
    ORDERS = "ORDERS"


@dataclass(frozen=True)
class TopCustomer:
    rank: int
    customer: Customer
    lifetime_value_minor: int
    orders: int


async def top_customers(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, by: TopBy, first: int = 10,
) -> list[TopCustomer]:
    """Customers of the subtree with paid orders, best first (ties: older id first); 2 statements."""
    scope = await report_scope(session, viewer, node_id)
    if not 1 <= first <= MAX_TOP:
        raise invalid(f"first must be between 1 and {MAX_TOP}", "first")
    totals = (
        select(
            Order.customer_id.label("customer_id"),
            func.sum(Order.total_reporting_minor).label("ltv"),
            func.count(Order.id).label("orders"),
        )
        .where(Order.status.in_(SALES)).group_by(Order.customer_id).subquery()
    )
    metric = totals.c.ltv if by is TopBy.LIFETIME_VALUE else totals.c.orders
    rows = (await session.execute(
        select(Customer, totals.c.ltv, totals.c.orders)
        .join(totals, totals.c.customer_id == Customer.id)
        .join(TierNode, TierNode.id == Customer.node_id)
        .where(in_subtree(TierNode.path, scope.path))
        .order_by(metric.desc(), Customer.id).limit(first)
    )).all()
    return [
        TopCustomer(rank=i, customer=c, lifetime_value_minor=int(ltv or 0), orders=int(n))
        for i, (c, ltv, n) in enumerate(rows, start=1)
    ]
