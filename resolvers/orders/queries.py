"""Read statements over orders: listings, lifetime value and the rollup parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.orders import Order, OrderStatus
from db.models.tree import TierNode, in_subtree
from resolvers.common.viewer import Viewer
from resolvers.tree import rollups
from resolvers.tree.rollups import RollupScope

# Orders that count as sales: paid and not refunded (refunds net the order out).
SALES = (OrderStatus.PAID, OrderStatus.FULFILLED)


def visible_orders(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Criteria confining orders to stores in the viewer's subtree (none for a root scope)."""
    if viewer.scope_path.count("/") == 2:
        return []
    return [Order.store_id.in_(_stores_under(viewer.scope_path))]


def _stores_under(path: str) -> Select[tuple[int]]:
    return select(TierNode.id).where(in_subtree(TierNode.path, path))


def orders_statement(
    *, subtree_path: str, statuses: Sequence[OrderStatus] = (), customer_id: int | None = None,
    visible: bool = True,
) -> Select[tuple[Order]]:
    """Orders of stores in the subtree at `subtree_path` (which must lie in the viewer's scope);
    none when not `visible` (a node outside the scope holds no orders)."""
    stmt = select(Order).where(Order.store_id.in_(_stores_under(subtree_path)))
    if statuses:
        stmt = stmt.where(Order.status.in_(statuses))
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    return stmt if visible else stmt.where(false())


def customer_orders_where(viewer: Viewer, statuses: Sequence[OrderStatus]) -> list[ColumnElement[bool]]:
    """Customer.orders' criteria beside the customer: the viewer's stores, these statuses (all if none)."""
    return [*visible_orders(viewer), *([Order.status.in_(statuses)] if statuses else [])]


async def lifetime_values(session: AsyncSession, customer_ids: Sequence[int]) -> list[int]:
    """Paid minus refunded, in minor units of the reporting currency, per customer."""
    rows = await session.execute(
        select(Order.customer_id, func.sum(Order.total_reporting_minor))
        .where(Order.customer_id.in_(set(customer_ids)), Order.status.in_(SALES))
        .group_by(Order.customer_id)
    )
    found = dict(rows.all())
    return [int(found.get(c) or 0) for c in customer_ids]


def sales(scope: RollupScope) -> Select[Any]:
    """Rollup `orderCount` and `revenue` in one scan: paid or fulfilled orders placed in [start, end)
    at the subtree's stores, and their totals in minor units of the reporting currency."""
    return (
        select(func.count(Order.id).label("order_count"),
               func.coalesce(func.sum(Order.total_reporting_minor), 0).label("revenue"))
        .select_from(Order)
        .join(TierNode, and_(TierNode.tenant_id == Order.tenant_id, TierNode.id == Order.store_id))
        .where(Order.tenant_id == scope.tenant_id, Order.status.in_(SALES), in_subtree(TierNode.path, scope.path),
               *rollups.in_range(Order.placed_at, scope))
    )


rollups.register_group(("order_count", "revenue"), sales)
