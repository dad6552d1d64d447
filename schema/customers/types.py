"""Customer: a person who buys in the chain's stores."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import customers as m
from db.models import tree as tm
from resolvers import pii
from schema.loading import by_id
from schema.relay import Node, to_global_id
from schema.tree.types import TierNode

if TYPE_CHECKING:
    from schema.membership.types import Membership


@strawberry.type(name="Customer")
class Customer(Node):
    row: strawberry.Private[m.Customer]
    id: strawberry.ID
    external_ref: str | None
    name: str
    locale: str | None
    tags: list[str]
    attributes: JSON
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: m.Customer) -> Customer:
        return cls(
            row=row, id=to_global_id("Customer", row.id), external_ref=row.external_ref,
            name=row.name, locale=row.locale, tags=list(row.tags or []),
            attributes=row.attributes or {}, created_at=row.created_at, updated_at=row.updated_at,
        )

    @strawberry.field
    def email(self, info: Info) -> str | None:
        return pii.email_for(info.context.viewer, self.row.email)

    @strawberry.field
    def phone(self, info: Info) -> str | None:
        return pii.phone_for(info.context.viewer, self.row.phone)

    @strawberry.field(description="The tier node (usually a store) the customer belongs to.")
    async def node(self, info: Info) -> TierNode:
        row = await by_id(info.context, tm.TierNode).load(self.row.node_id)
        return TierNode.from_row(row)

    @strawberry.field(description="Null when not enrolled.")
    async def membership(
        self, info: Info
    ) -> Annotated[Membership, strawberry.lazy("schema.membership.types")] | None:
        from schema.membership.types import membership_of

        return await membership_of(info, self.row.id)

    @strawberry.field(description="When the customer's personal data was erased (GDPR); null if never.")
    def erased_at(self) -> datetime | None:
        return self.row.erased_at


async def fetch_customers(info: Info, pks: list[int]) -> list[Any]:
    """Customers by id, None where unknown or outside the viewer's subtree."""
    ctx = info.context
    rows = await by_id(ctx, m.Customer).load_many(pks)
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [
        Customer.from_row(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
        for r, n in zip(rows, nodes, strict=True)
    ]
