"""Checks shared by orders, tickets and interactions: the customer in scope, client timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.customers import Customer
from db.models.tree import TierNode
from resolvers.errors import invalid, not_found
from resolvers.viewer import Viewer

CLOCK_SKEW = timedelta(minutes=5)


async def customer_in_scope(
    session: AsyncSession, viewer: Viewer, customer_id: int | None, field: str = "customerId",
) -> tuple[Customer, TierNode]:
    """The customer and its node; NOT_FOUND outside the subtree, INVALID once erased."""
    row = (
        await session.execute(
            select(Customer, TierNode).join(TierNode, TierNode.id == Customer.node_id)
            .where(Customer.id == (customer_id or 0))
        )
    ).first()
    if row is None or not viewer.in_scope(row[1].path):
        raise not_found("customer", field)
    if row[0].erased_at is not None:
        raise invalid("this customer was erased", field)
    return row[0], row[1]


def check_past(at: datetime | None, field: str) -> datetime | None:
    """A client's timestamp: with an offset, and not in the future (beyond clock skew)."""
    if at is None:
        return None
    if at.tzinfo is None:
        raise invalid(f"{field} needs a UTC offset", field)
    if at > utcnow() + CLOCK_SKEW:
        raise invalid(f"{field} must not be in the future", field)
    return at
