"""Loading a customer that must lie in the viewer's subtree (orders, tickets, interactions)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.customers import Customer
from db.models.tree import TierNode
from resolvers.errors import invalid, not_found
from resolvers.viewer import Viewer


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
