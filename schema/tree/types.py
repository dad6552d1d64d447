"""TierNode: a node of the organisation tree; its settings and rollup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from db.models import tree as m
from resolvers.tree import queries as tree_queries
from resolvers.tree.settings import NodeSettingsValues, effective_settings, own_settings
from schema.errors import bad_input
from schema.loading import by_id
from schema.money import Money
from schema.relay import Connection, Node, nested_pages, page_args, to_global_id
from schema.tree import loaders

if TYPE_CHECKING:
    from schema.customers.inputs import CustomerFilter
    from schema.customers.types import Customer
    from schema.membership.types import MembershipProgram

DESCENDANT_ORDER = [(m.TierNode.path, False)]  # pre-order: each node followed by its subtree
CHILD_ORDER = [(m.TierNode.code, False), (m.TierNode.id, False)]


@strawberry.type
class NodeSettings:
    currency: str | None
    locale: str | None
    timezone: str | None
    membership_program_id: strawberry.ID | None = strawberry.field(
        description="The membership program's id (MembershipProgram); `membershipProgram` resolves it."
    )

    program_pk: strawberry.Private[int | None] = None

    @classmethod
    def from_values(cls, v: NodeSettingsValues) -> NodeSettings:
        program = v.membership_program_id
        return cls(
            currency=v.currency, locale=v.locale, timezone=v.timezone,
            membership_program_id=to_global_id("MembershipProgram", program) if program else None,
            program_pk=program,
        )

    @strawberry.field
    async def membership_program(
        self, info: Info
    ) -> Annotated[MembershipProgram, strawberry.lazy("schema.membership.types")] | None:
        from db.models.membership import MembershipProgram as ProgramRow
        from schema.membership.types import MembershipProgram

        if self.program_pk is None:
            return None
        row = await by_id(info.context, ProgramRow).load(self.program_pk)
        return MembershipProgram.from_row(row) if row is not None else None


@strawberry.type
class NodeRollup:
    customer_count: int
    member_count: int
    order_count: int
    revenue: Money = strawberry.field(description="In the tenant's reporting currency.")
    open_ticket_count: int


@strawberry.type(name="TierNode")
class TierNode(Node):
    row: strawberry.Private[m.TierNode]
    id: strawberry.ID
    code: str
    name: str
    kind: str
    depth: int

    @classmethod
    def from_row(cls, row: m.TierNode) -> TierNode:
        return cls(
            row=row, id=to_global_id("TierNode", row.id), code=row.code, name=row.name,
            kind=row.kind, depth=row.depth,
        )

    @strawberry.field(description="Null at the root of the tree or of the caller's scope.")
    async def parent(self, info: Info) -> TierNode | None:
        if self.row.parent_id is None:
            return None
        row = await by_id(info.context, m.TierNode).load(self.row.parent_id)
        return TierNode.from_row(row) if row and info.context.viewer.in_scope(row.path) else None

    @strawberry.field(description="Root first, from the root of the caller's scope.")
    async def ancestors(self, info: Info) -> list[TierNode]:
        return [TierNode.from_row(r) for r in await loaders.ancestors(info.context, self.row)]

    @strawberry.field
    async def children(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[TierNode]:
        load = nested_pages(info.context, "children", m.TierNode, m.TierNode.parent_id, CHILD_ORDER)
        return await load(self.row.id, page_args(first, after), TierNode.from_row)

    @strawberry.field(description="The whole subtree below this node in pre-order, down to maxDepth levels.")
    async def descendants(
        self, info: Info, first: int | None = None, after: str | None = None,
        max_depth: int | None = None,
    ) -> Connection[TierNode]:
        if max_depth is not None and max_depth < 1:
            raise bad_input("maxDepth must be at least 1")
        load = loaders.subtree_pages(
            info.context, "descendants", m.TierNode, DESCENDANT_ORDER, tree_queries.descendants_base
        )
        return await load(self.row.id, max_depth, page_args(first, after), TierNode.from_row)

    @strawberry.field(description="What this node sets itself (null: inherited).")
    def own_settings(self) -> NodeSettings:
        return NodeSettings.from_values(own_settings(self.row))

    @strawberry.field(description="Effective: the node's own value, else the nearest ancestor's.")
    async def settings(self, info: Info) -> NodeSettings:
        return NodeSettings.from_values(effective_settings(await loaders.chain(info.context, self.row)))

    @strawberry.field(description="Customers of this node (and by default of its whole subtree), newest first.")
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None,
        filter: Annotated[CustomerFilter, strawberry.lazy("schema.customers.inputs")] | None = None,
        include_descendants: bool | None = True,
    ) -> Connection[Annotated[Customer, strawberry.lazy("schema.customers.types")]]:
        from schema.customers.fields import node_customers

        return await node_customers(
            info, self.row, page_args(first, after), filter, include_descendants is not False
        )

    @strawberry.field(description="Totals over the whole subtree; from/to bound when things happened.")
    async def rollup(
        self, info: Info, from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> NodeRollup:
        values = await loaders.rollup(info.context, self.row, from_, to)
        currency = info.context.viewer.reporting_currency
        return NodeRollup(
            customer_count=values["customer_count"], member_count=values["member_count"],
            order_count=values["order_count"], revenue=Money.of(values["revenue"], currency),
            open_ticket_count=values["open_ticket_count"],
        )


async def load_tier_node(info: Info, node_id: int) -> TierNode | None:
    row = await by_id(info.context, m.TierNode).load(node_id)
    return TierNode.from_row(row) if row is not None else None


async def fetch_tier_nodes(info: Info, pks: list[int]) -> list[Any]:
    viewer = info.context.viewer
    rows = await by_id(info.context, m.TierNode).load_many(pks)
    return [TierNode.from_row(r) if r is not None and viewer.in_scope(r.path) else None for r in rows]
