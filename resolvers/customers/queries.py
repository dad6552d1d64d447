"""Read queries over customers that the lists and lookups share (GraphQL, bot, CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import false, func, select
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
    """The id of the tenant's customer with this externalRef (scope is the caller's check);
    a merged customer's ref gives its survivor."""
    return await session.scalar(
        select(func.coalesce(Customer.merged_into_id, Customer.id)).where(Customer.external_ref == external_ref.strip())
    )


async def survivors_of(session: AsyncSession, customers: Sequence[Customer]) -> dict[int, Customer]:
    """Per merged customer among `customers`, the survivor it was merged into (one statement, none
    when no customer is merged). Tombstones point at the final survivor: merges flatten them."""
    wanted = {c.merged_into_id for c in customers if c.merged_into_id is not None}
    if not wanted:
        return {}
    rows = {c.id: c for c in (await session.scalars(select(Customer).where(Customer.id.in_(wanted)))).all()}
    return {c.id: rows[c.merged_into_id] for c in customers if c.merged_into_id in rows}


async def follow_merges(session: AsyncSession, ids: dict[str, int]) -> dict[str, int]:
    """`ids` (key -> customer id) with merged customers replaced by their survivors."""
    if not ids:
        return ids
    merged = dict((await session.execute(
        select(Customer.id, Customer.merged_into_id)
        .where(Customer.id.in_(set(ids.values())), Customer.merged_into_id.is_not(None))
    )).all())
    return {k: merged.get(v, v) for k, v in ids.items()}
