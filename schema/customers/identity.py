"""Identity resolution in the API: duplicateCandidates, mergeCustomers, createCustomer's warning."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import tree as tm
from db.session import DbSession
from resolvers.common.paging import check_order
from resolvers.common.viewer import Viewer
from resolvers.customers import duplicates
from resolvers.customers import merge as service
from schema.customers.types import Customer, fetch_customers
from schema.errors import UserError, forbidden
from schema.loading import by_id
from schema.mutation import run_mutation
from schema.permissions import requires
from schema.relay import Connection, build_connection, decode_id, page_args, to_global_id, window


@strawberry.enum
class DuplicateReason(Enum):
    SAME_PHONE = "SAME_PHONE"
    SAME_EMAIL = "SAME_EMAIL"
    SIMILAR_NAME = "SIMILAR_NAME"


@strawberry.type(description="Two customers that look like one person.")
class DuplicatePair:
    pair: strawberry.Private[duplicates.PairRow]
    score: float = strawberry.field(description="0..1: 1 - (1 - 0.6 phone)(1 - 0.6 email)(1 - 0.4 nameSimilarity).")
    reasons: list[DuplicateReason]
    name_similarity: float | None = strawberry.field(description="Of the normalised names; null without a name reason.")

    @classmethod
    def from_row(cls, row: Any) -> DuplicatePair:
        pair = duplicates.pair_of(row)
        return cls(pair=pair, score=pair.score / 1000, reasons=[DuplicateReason(r) for r in pair.reasons],
                   name_similarity=pair.name / 1000 if pair.name else None)

    @strawberry.field(description="The two customers, older id first.")
    async def customers(self, info: Info) -> list[Customer]:
        return [c for c in await fetch_customers(info, [self.pair.low, self.pair.high]) if c is not None]


@strawberry.type(description="Not an error: the customer was created, and looks like this existing one.")
class CustomerWarning:
    code: str
    message: str
    score: float
    reasons: list[DuplicateReason]
    customer: Customer | None


@strawberry.input(description="Which customer's value the survivor keeps for one field (Twenty's conflictPriorityIndex).")
class MergeFieldChoice:
    field: str = strawberry.field(description="name, email, phone, locale, nodeId, attributes, or attributes.KEY")
    customer_id: strawberry.ID


@strawberry.input
class MergeCustomersInput:
    survivor_id: strawberry.ID
    merged_ids: list[strawberry.ID]
    field_choices: list[MergeFieldChoice] | None = None
    dry_run: bool = False


@strawberry.type
class MergeCount:
    kind: str
    count: int


@strawberry.type
class MergeLot:
    remaining: int
    expires_at: datetime | None


@strawberry.type(description="A membership of the survivor after the merge.")
class MergedMembership:
    membership_id: strawberry.ID
    program_name: str
    points_balance: int
    qualifying_points: int
    tier: str
    lots: list[MergeLot] = strawberry.field(description="Open lots in FIFO order, with their expiry.")


@strawberry.type
class MergeCustomersPayload:
    customer: Customer | None = strawberry.field(default=None, description="The survivor (as it is now: unchanged by a dry run).")
    dry_run: bool = False
    counts: list[MergeCount] = strawberry.field(default_factory=list, description="Rows re-pointed per kind; points moved.")
    values: JSON | None = strawberry.field(default=None, description="The survivor's fields after the merge.")
    memberships: list[MergedMembership] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(result: service.MergeResult) -> MergeCustomersPayload:
    o = result.outcome
    values = {**o.values, "nodeId": str(to_global_id("TierNode", o.values["node_id"]))}
    del values["node_id"]
    return MergeCustomersPayload(
        customer=Customer.from_row(result.survivor), dry_run=result.dry_run,
        counts=[MergeCount(kind=k, count=v) for k, v in o.counts.items()], values=values,
        memberships=[
            MergedMembership(
                membership_id=to_global_id("Membership", m.membership_id), program_name=m.program_name,
                points_balance=m.points_balance, qualifying_points=m.qualifying_points, tier=m.tier,
                lots=[MergeLot(remaining=r, expires_at=datetime.fromisoformat(e) if e else None) for r, e in m.lots],
            )
            for m in o.memberships
        ],
    )


async def warnings_for(info: Info, found: duplicates.PairRow | None) -> list[CustomerWarning]:
    if found is None:
        return []
    reasons = [DuplicateReason(r) for r in found.reasons]
    said = ", ".join(r.value.lower().replace("_", " ") for r in reasons)
    customer = (await fetch_customers(info, [found.high]))[0]
    return [CustomerWarning(code="LIKELY_DUPLICATE", message=f"looks like an existing customer ({said})",
                            score=found.score / 1000, reasons=reasons, customer=customer)]


@strawberry.type
class IdentityQuery:
    @strawberry.field(extensions=requires("customer.read"), description="Pairs of customers in the caller's scope (or nodeId's subtree) that look like "
                                  "one person, best score first; at most 100 per page.")
    async def duplicate_candidates(
        self, info: Info, node_id: strawberry.ID | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[DuplicatePair]:
        from resolvers.common import paging

        if not duplicates.may_list(info.context.viewer):
            raise forbidden(duplicates.NEEDS_PII)
        args = page_args(first, after)
        path = None
        if node_id is not None:
            pk = decode_id(node_id, "TierNode")
            node = await by_id(info.context, tm.TierNode).load(pk) if pk is not None else None
            path = node.path if node is not None else "/nowhere/"  # out of scope: no pairs
        async with info.context.read() as session:
            stmt, order = duplicates.candidates_query(info.context.viewer, duplicates.dialect_of(session), path)
            check_order(order)
            rows = (await session.execute(paging.page_statement(stmt, order, window(args, order)))).all()

        async def count() -> int:
            async with info.context.read() as session:
                return await paging.count(session, stmt)

        return build_connection(rows, args, order, DuplicatePair.from_row, count)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Merge customers into a survivor in one transaction; dryRun writes nothing.")
    async def merge_customers(self, info: Info, input: MergeCustomersInput) -> MergeCustomersPayload:
        choices = [(c.field, decode_id(c.customer_id, "Customer")) for c in input.field_choices or []]

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.merge_customers(
                session, viewer, survivor_id=decode_id(input.survivor_id, "Customer"),
                merged_ids=[decode_id(i, "Customer") for i in input.merged_ids], field_choices=choices,
                dry_run=input.dry_run,
            )

        result, errors = await run_mutation(info, "mergeCustomers", run)
        if result is None:
            return MergeCustomersPayload(errors=errors)
        return _payload(result)
