"""Customer: a person who buys in the chain's stores."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import customers as m
from db.models import tree as tm
from resolvers.common import pii
from schema.loading import MISS, by_id, peek, selected
from schema.relay import Connection, Node, page_args, to_global_id
from schema.tree.types import TierNode

if TYPE_CHECKING:
    from schema.consent.types import Consent
    from schema.marketing.campaign_types import CampaignRecipient
    from schema.membership.types import Membership
    from schema.money import Money
    from schema.orders.types import Order, OrderStatus
    from schema.reports.rfm import RfmScore
    from schema.service.types import Interaction, Ticket, TicketStatus
    from schema.timeline import TimelineConnection

_ORDERS = "schema.orders.types"
_SERVICE = "schema.service.types"


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

    @strawberry.field(description="RFM scores among the customers of your scope; null without paid orders.")
    async def rfm(self, info: Info) -> Annotated[RfmScore, strawberry.lazy("schema.reports.rfm")] | None:
        from schema.reports.rfm import customer_rfm

        return await customer_rfm(info, self.row.id)

    # node, membership and orders are sync resolvers answering from the loaders' cache when
    # the page prefetched it (prefetch_page), else returning an awaitable: graphql-core
    # completes a plain value inline, which for a page of 100 saves hundreds of tasks.
    @strawberry.field(description="The tier node (usually a store) the customer belongs to.")
    def node(self, info: Info) -> TierNode:
        loader = by_id(info.context, tm.TierNode)
        row = peek(loader, self.row.node_id)
        if row is not MISS:
            return TierNode.from_row(row)
        return _node_later(loader, self.row.node_id)  # type: ignore[return-value]

    @strawberry.field(description="Null when not enrolled.")
    def membership(
        self, info: Info
    ) -> Annotated[Membership, strawberry.lazy("schema.membership.types")] | None:
        from schema.membership.types import membership_now, membership_of

        found = membership_now(info, self.row.id)
        return membership_of(info, self.row.id) if found is MISS else found  # type: ignore[return-value]

    @strawberry.field(description="Paid minus refunded, in the reporting currency.")
    async def lifetime_value(self, info: Info) -> Annotated[Money, strawberry.lazy("schema.money")]:
        from schema.orders.fields import customer_lifetime_value

        return await customer_lifetime_value(info, self.row.id)

    @strawberry.field
    def orders(
        self, info: Info, first: int | None = None, after: str | None = None,
        status: list[Annotated[OrderStatus, strawberry.lazy(_ORDERS)]] | None = None,
    ) -> Connection[Annotated[Order, strawberry.lazy(_ORDERS)]]:
        from schema.orders.fields import customer_order_pages
        from schema.orders.types import Order

        args = page_args(first, after)
        pages = customer_order_pages(info, status)
        page = pages.cached(self.row.id, args, Order.from_row)
        return pages(self.row.id, args, Order.from_row) if page is None else page  # type: ignore[return-value]

    @strawberry.field
    async def tickets(
        self, info: Info, first: int | None = None, after: str | None = None,
        status: list[Annotated[TicketStatus, strawberry.lazy(_SERVICE)]] | None = None,
    ) -> Connection[Annotated[Ticket, strawberry.lazy(_SERVICE)]]:
        from schema.service.fields import customer_tickets

        return await customer_tickets(info, self.row.id, page_args(first, after), status)

    @strawberry.field
    async def interactions(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[Annotated[Interaction, strawberry.lazy(_SERVICE)]]:
        from schema.service.fields import customer_interactions

        return await customer_interactions(info, self.row.id, page_args(first, after))

    @strawberry.field(description="Orders, tickets, interactions... newest first.")
    async def timeline(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Annotated[TimelineConnection, strawberry.lazy("schema.timeline")]:
        from schema.timeline import customer_timeline

        return await customer_timeline(info, self.row.id, page_args(first, after))

    @strawberry.field(description="Consent per channel and purpose (every pair; not granted unless recorded).")
    async def consents(self, info: Info) -> list[Annotated[Consent, strawberry.lazy("schema.consent.types")]]:
        from schema.consent.types import customer_consents

        return await customer_consents(info, self.row.id)  # type: ignore[return-value]

    @strawberry.field(description="Campaigns that reached the customer (a coupon or an email sent), newest first.")
    async def campaigns(
        self, info: Info
    ) -> list[Annotated[CampaignRecipient, strawberry.lazy("schema.marketing.campaign_types")]]:
        from schema.marketing.campaign_types import customer_campaigns

        return await customer_campaigns(info, self.row.id)  # type: ignore[return-value]

    @strawberry.field(description="When the customer's personal data was erased (GDPR); null if never.")
    def erased_at(self) -> datetime | None:
        return self.row.erased_at


async def _node_later(loader: Any, node_id: int) -> TierNode:
    return TierNode.from_row(await loader.load(node_id))


async def prefetch_page(info: Info, customers: list[Customer]) -> None:
    """Loads what the selection asks of a page's customers (node, membership and its tier,
    orders) in one batch per field before graphql-core resolves them customer by customer:
    the same statements as the per-customer loaders would batch into, but the resolvers
    then answer synchronously."""
    if not customers:
        return
    ctx = info.context
    fields = {name for name in _PREFETCHED if selected(info, "edges", "node", name)}
    if not fields:
        return
    rows = [c.row for c in customers]
    if "node" in fields:
        await by_id(ctx, tm.TierNode).load_many(sorted({r.node_id for r in rows}))
    if "membership" in fields:
        from schema.membership.types import prefetch_memberships

        await prefetch_memberships(info, [r.id for r in rows], tier=bool(selected(info, "edges", "node", "membership", "tier")))
    for orders in selected(info, "edges", "node", "orders"):
        await _prefetch_orders(info, orders, [r.id for r in rows])


_PREFETCHED = {"node", "membership", "orders"}


async def _prefetch_orders(info: Info, node: Any, customer_ids: list[int]) -> None:
    from graphql.execution.values import get_argument_values

    from schema.orders.fields import customer_order_pages

    raw = info._raw_info
    definition = raw.schema.get_type("Customer").fields["orders"]  # type: ignore[union-attr]
    try:
        values = get_argument_values(definition, node, raw.variable_values)
        if values.get("status"):
            return  # rarer; resolved through the loaders as before
        args = page_args(values.get("first"), values.get("after"))
        await customer_order_pages(info, None).prefetch(customer_ids, args)
    except Exception:  # noqa: BLE001
        # Bad arguments, a malformed cursor, a role without order.read: each customer's
        # `orders` field reports it as before (null + error there), never the whole page.
        return


async def fetch_customers(info: Info, pks: list[int]) -> list[Any]:
    """Customers by id, None where unknown or outside the viewer's subtree; a merged
    customer's id gives its survivor (the tombstone's `merged_into_id`)."""
    ctx = info.context
    loader = by_id(ctx, m.Customer)
    rows = await loader.load_many(pks)
    if any(r is not None and r.merged_into_id is not None for r in rows):
        survivors = await loader.load_many([r.merged_into_id if r is not None and r.merged_into_id else 0 for r in rows])
        rows = [s if r is not None and r.merged_into_id else r for r, s in zip(rows, survivors, strict=True)]
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [
        Customer.from_row(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
        for r, n in zip(rows, nodes, strict=True)
    ]
