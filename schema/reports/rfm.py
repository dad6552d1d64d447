"""The RFM report's types, its customer pages, and Customer.rfm."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from db.base import utcnow
from db.models import customers as cm
from db.session import DbSession
from resolvers.reports import rfm
from schema.customers.types import Customer
from schema.loading import by_id
from schema.money import Money
from schema.relay import Connection, build_connection, decode_cursor, page_args
from schema.tree.types import TierNode

# Pages are in customer id order; cursors carry the id (the scores' `customer_id`).
CUSTOMER_ORDER = cm.Customer.id.property.columns[0].label("customer_id")
RfmSegment = strawberry.enum(rfm.Segment, name="RfmSegment", description="See docs/analytics.md.")


@strawberry.type
class RfmScore:
    customer_id: strawberry.Private[int]
    recency: int = strawberry.field(description="1-5; 5 = the most recent fifth")
    frequency: int
    monetary: int
    segment: RfmSegment  # type: ignore[valid-type]
    last_order_at: datetime
    orders: int
    spend: Money

    @classmethod
    def of(cls, score: rfm.RfmScore, currency: str) -> RfmScore:
        return cls(
            customer_id=score.customer_id, recency=score.recency, frequency=score.frequency,
            monetary=score.monetary, segment=score.segment, last_order_at=score.last_order_at,
            orders=score.orders, spend=Money.of(score.monetary_minor, currency),
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return Customer.from_row(await by_id(info.context, cm.Customer).load(self.customer_id))


@strawberry.type
class RfmSegmentCount:
    segment: RfmSegment  # type: ignore[valid-type]
    customers: int


@strawberry.type
class RfmReport:
    report: strawberry.Private[rfm.RfmReport]
    node: TierNode
    as_of: datetime
    segments: list[RfmSegmentCount] = strawberry.field(description="Every segment, zeros included.")

    @classmethod
    def of(cls, report: rfm.RfmReport) -> RfmReport:
        return cls(
            report=report, node=TierNode.from_row(report.scope.node), as_of=report.as_of,
            segments=[RfmSegmentCount(segment=s, customers=n) for s, n in report.counts.items()],
        )

    @strawberry.field(description="Scored customers in customer order, optionally of one segment.")
    async def customers(
        self, info: Info, segment: RfmSegment | None = None,  # type: ignore[valid-type]
        first: int | None = None, after: str | None = None,
    ) -> Connection[RfmScore]:
        args = page_args(first, after)
        after_id = decode_cursor(after, 1, (int,))[0] if after else None
        async with info.context.read() as session:
            scores = await rfm.rfm_scores(
                session, path=self.report.scope.path, as_of=self.report.as_of, segment=segment,
                after_id=after_id, limit=args.size + 1,
            )
        currency = info.context.viewer.reporting_currency
        total = self.report.counts[segment] if segment else sum(self.report.counts.values())

        async def count() -> int:
            return total

        return build_connection(scores, args, [(CUSTOMER_ORDER, False)], lambda s: RfmScore.of(s, currency), count)

async def customer_rfm(info: Info, customer_id: int) -> RfmScore | None:
    """Customer.rfm: scored among the customers of the viewer's scope, batched per request."""
    ctx = info.context

    async def load(session: DbSession, ids: Sequence[int]) -> list[Any]:
        scores = await rfm.rfm_scores(session, path=ctx.viewer.scope_path, as_of=utcnow(), customer_ids=ids)
        found = {s.customer_id: s for s in scores}
        return [found.get(i) for i in ids]

    score = await ctx.loader("customer_rfm", load).load(customer_id)
    return RfmScore.of(score, ctx.viewer.reporting_currency) if score else None

