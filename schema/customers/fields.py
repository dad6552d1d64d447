"""Customer lists, lookup and mutations."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.models import customers as cm
from db.models import tree as tm
from db.session import DbSession
from resolvers.common.paging import OrderKey
from resolvers.common.viewer import Viewer
from resolvers.customers import customers as service
from resolvers.customers import duplicates, queries
from resolvers.membership import programs as membership
from schema.customers.identity import IdentityMutation, IdentityQuery, warnings_for
from schema.customers.inputs import (
    CreateCustomerInput,
    CustomerFilter,
    CustomerOrder,
    CustomerOrderField,
    CustomerPayload,
    SortDirection,
    UpdateCustomerInput,
)
from schema.customers.types import Customer, fetch_customers, prefetch_page
from schema.errors import bad_input
from schema.loading import by_id
from schema.mutation import input_dict, run_mutation
from schema.relay import Connection, PageArgs, decode_id, page_args, paginate
from schema.tree.loaders import subtree_pages

ORDER_COLUMNS = {
    CustomerOrderField.CREATED_AT: cm.Customer.created_at,
    CustomerOrderField.NAME: cm.Customer.name,
    CustomerOrderField.UPDATED_AT: cm.Customer.updated_at,
}
DEFAULT_ORDER = CustomerOrder()


def order_keys(order: CustomerOrder) -> list[OrderKey]:
    desc = order.direction is SortDirection.DESC
    return [(ORDER_COLUMNS[order.field], desc), (cm.Customer.id, desc)]


async def filter_values(info: Info, given: CustomerFilter | None) -> service.CustomerFilterValues:
    """The service's filter; a nodeId outside the caller's scope matches nothing."""
    if given is None:
        return service.CustomerFilterValues()
    if len((given.search or "").split()) > service.MAX_SEARCH_TERMS:
        raise bad_input(f"search: at most {service.MAX_SEARCH_TERMS} words")
    if len(set(given.tags or ())) > service.MAX_TAGS:
        raise bad_input(f"tags: at most {service.MAX_TAGS} (a customer holds no more)")
    if len(set(given.tier_ids or ())) > service.MAX_FILTER_TIERS:
        raise bad_input(f"tierIds: at most {service.MAX_FILTER_TIERS}")
    node_path, extra = None, ()
    if given.tier_ids:
        tier_ids = [decode_id(t, "MembershipTier") for t in given.tier_ids]
        if None in tier_ids:
            raise bad_input("tierIds holds an id that is not a MembershipTier")
        extra = (membership.customers_in_tiers([t for t in tier_ids if t is not None]),)
    if given.node_id is not None:
        pk = decode_id(given.node_id, "TierNode")
        node = await by_id(info.context, tm.TierNode).load(pk) if pk is not None else None
        if node is None:
            extra = (*extra, queries.nothing())
        else:
            node_path = node.path
    return service.CustomerFilterValues(
        search=given.search, tags=tuple(given.tags or ()), node_path=node_path,
        created_after=given.created_after, created_before=given.created_before, extra=extra,
    )


async def node_customers(
    info: Info, row: tm.TierNode, args: PageArgs, given: CustomerFilter | None, include_descendants: bool,
) -> Connection[Customer]:
    """TierNode.customers: batched over every node of the request."""
    values = await filter_values(info, given)
    if values.node_path is not None and not info.context.viewer.in_scope(values.node_path):
        values = service.CustomerFilterValues(extra=(queries.nothing(),))
    load = subtree_pages(
        info.context, "node_customers", cm.Customer, order_keys(DEFAULT_ORDER), queries.node_customers_base
    )
    return await load(row.id, (info.context.viewer, values, include_descendants), args, Customer.from_row)


@strawberry.type
class Query(IdentityQuery):
    @strawberry.field(description="Customers in the caller's scope; at most 100 per page.")
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None, filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
    ) -> Connection[Customer]:
        args = page_args(first, after, last, before)
        stmt = service.customer_query(info.context.viewer, await filter_values(info, filter))
        page = await paginate(
            info.context, stmt, order=order_keys(order_by or DEFAULT_ORDER), args=args,
            convert=Customer.from_row,
        )
        await prefetch_page(info, page.nodes)
        return page

    @strawberry.field(description="One customer by id or by externalRef; null outside the caller's scope.")
    async def customer(
        self, info: Info, id: strawberry.ID | None = None, external_ref: str | None = None,
    ) -> Customer | None:
        if (id is None) == (external_ref is None):
            raise bad_input("give exactly one of id and externalRef")
        if id is not None:
            pk = decode_id(id, "Customer")
            return (await fetch_customers(info, [pk]))[0] if pk is not None else None
        async with info.context.read() as session:
            pk = await queries.customer_id_by_external_ref(session, external_ref)
        return (await fetch_customers(info, [pk]))[0] if pk is not None else None


@strawberry.type
class Mutation(IdentityMutation):
    @strawberry.mutation
    async def create_customer(self, info: Info, input: CreateCustomerInput) -> CustomerPayload:
        values = {k: v for k, v in input_dict(input).items() if k not in {"node_id", "external_ref"}}

        async def run(session: DbSession, viewer: Viewer) -> Any:
            customer = await service.create_customer(
                session, viewer, node_id=decode_id(input.node_id, "TierNode"), values=values,
                external_ref=input.external_ref,
            )
            return customer, await duplicates.likely_duplicate(session, viewer, customer.id)

        done, errors = await run_mutation(info, "createCustomer", run)
        if done is None:
            return CustomerPayload(errors=errors)
        row, duplicate = done
        return CustomerPayload(customer=Customer.from_row(row), warnings=await warnings_for(info, duplicate))

    @strawberry.mutation
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerPayload:
        values = {k: v for k, v in input_dict(input).items() if k != "id"}
        if "node_id" in values:
            if values["node_id"] is None:
                del values["node_id"]  # null: the customer stays where it is
            else:
                values["node_id"] = decode_id(values["node_id"], "TierNode")

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.update_customer(
                session, viewer, customer_id=decode_id(input.id, "Customer"), values=values
            )

        row, errors = await run_mutation(info, "updateCustomer", run)
        return CustomerPayload(customer=Customer.from_row(row) if row else None, errors=errors)
