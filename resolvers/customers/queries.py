"""Read queries over customers that the lists and lookups share (GraphQL, bot, CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import tree as tm
from db.models.customers import Customer
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import CustomerFilterValues, filter_conditions


def nothing() -> Any:
    """A filter condition no customer matches (a filter's node that does not exist or is out of scope)."""
    return false()


def node_customers_base(root: Any, options: tuple[Viewer, CustomerFilterValues, bool]) -> Any:
    """TierNode.customers for resolvers.tree.queries.subtree_pages: customers of `root` (and by
    default of its subtree) matching the filter; `options` is (viewer, filter, include_descendants)."""
    viewer, values, include_descendants = options
    node = tm.TierNode
    member = tm.in_subtree_of(node.path, root.path) if include_descendants else node.id == root.id
    stmt = (
        select(Customer).select_from(Customer)
        .join(node, node.id == Customer.node_id)
        .join(root, member)
        .where(*filter_conditions(viewer, values))
    )
    return stmt if values.node_path is None else stmt.where(tm.in_subtree(node.path, values.node_path))


async def customer_id_by_external_ref(session: AsyncSession, external_ref: str) -> int | None:
    """The id of the tenant's customer with this externalRef (scope is the caller's check)."""
    return await session.scalar(select(Customer.id).where(Customer.external_ref == external_ref.strip()))
