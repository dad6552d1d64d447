"""The analytics fields of `Reports`: thin wrappers around resolvers/analytics/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.common.viewer import Viewer
from resolvers.reports import common, rfm, sales, tickets, tiers, top
from schema.customers.types import Customer
from schema.errors import bad_input
from schema.membership.types import MembershipTier
from schema.money import Money
from schema.relay import decode_id
from schema.reports import analytics_types as t
from schema.reports.rfm import RfmReport
from schema.tree.types import TierNode

R = TypeVar("R")
From = Annotated[datetime | None, strawberry.argument(name="from", description="inclusive")]
To = Annotated[datetime | None, strawberry.argument(description="exclusive")]
Depth = Annotated[int, strawberry.argument(description="levels below the node that rows group by")]
NodeArg = Annotated[strawberry.ID | None, strawberry.argument(description="default: the root of your scope")]


async def _run(info: Info, node_id: strawberry.ID | None, fn: Callable[[DbSession, Viewer, int | None], Awaitable[R]]) -> R | None:
    """Run a report; a node outside the caller's subtree gives null, bad arguments an error."""
    pk = None if node_id is None else (decode_id(node_id, "TierNode") or 0)
    try:
        async with info.context.read() as session:
            return await fn(session, info.context.viewer, pk)
    except DomainError as exc:
        if exc.problems and exc.problems[0].code is ErrorCode.NOT_FOUND:
            return None
        raise bad_input(str(exc)) from exc


def _money(minor: int, info: Info) -> Money:
    return Money.of(minor, info.context.viewer.reporting_currency)


@strawberry.type
class AnalyticsReports:
    @strawberry.field(description="Revenue, orders and average order value per child node and period.")
    async def sales_by_node(
        self, info: Info, node_id: NodeArg = None, from_: From = None, to: To = None,
        group_by: t.ReportPeriod = common.Period.MONTH, depth: Depth = 1,  # type: ignore[valid-type]
    ) -> t.SalesReport | None:
        async def run(session: DbSession, viewer: Viewer, pk: int | None) -> Any:
            return await sales.sales_by_node(
                session, viewer, node_id=pk, start=from_, end=to, period=common.Period(group_by), depth=depth
            )

        found = await _run(info, node_id, run)
        if found is None:
            return None
        scope, rows = found
        return t.SalesReport(node=TierNode.from_row(scope.node), rows=[
            t.SalesRow(node=TierNode.from_row(r.node), period=r.period, orders=r.orders,
                       revenue=_money(r.revenue_minor, info), average_order_value=_money(r.average_minor, info))
            for r in rows
        ])

    @strawberry.field(description="Recency/frequency/monetary quintiles and segments (see docs/analytics.md).")
    async def rfm(self, info: Info, node_id: NodeArg = None, as_of: datetime | None = None) -> RfmReport | None:
        async def run(session: DbSession, viewer: Viewer, pk: int | None) -> Any:
            return await rfm.rfm_report(session, viewer, node_id=pk, as_of=as_of)

        found = await _run(info, node_id, run)
        return RfmReport.of(found) if found is not None else None

    @strawberry.field(description="Members per tier per child node; tier movements in [from, to).")
    async def tier_distribution(
        self, info: Info, node_id: NodeArg = None, from_: From = None, to: To = None, depth: Depth = 1,
    ) -> t.TierDistribution | None:
        async def run(session: DbSession, viewer: Viewer, pk: int | None) -> Any:
            return await tiers.tier_distribution(session, viewer, node_id=pk, start=from_, end=to, depth=depth)

        found = await _run(info, node_id, run)
        if found is None:
            return None
        return t.TierDistribution(
            node=TierNode.from_row(found.scope.node),
            counts=[t.TierCount(node=TierNode.from_row(c.node), tier=MembershipTier.from_row(c.tier),
                                members=c.members) for c in found.counts],
            movements=[
                t.TierMovement(node=TierNode.from_row(m.node),
                               from_=MembershipTier.from_row(m.from_tier) if m.from_tier else None,
                               to=MembershipTier.from_row(m.to_tier), upgrade=m.upgrade, count=m.count)
                for m in found.movements
            ],
        )

    @strawberry.field(description="Tickets opened, resolved, breached and the median resolution time per child node.")
    async def ticket_sla(
        self, info: Info, node_id: NodeArg = None, from_: From = None, to: To = None, depth: Depth = 1,
    ) -> t.TicketSlaReport | None:
        async def run(session: DbSession, viewer: Viewer, pk: int | None) -> Any:
            return await tickets.ticket_sla(session, viewer, node_id=pk, start=from_, end=to, depth=depth)

        found = await _run(info, node_id, run)
        if found is None:
            return None
        scope, rows = found
        return t.TicketSlaReport(node=TierNode.from_row(scope.node), rows=[
            t.TicketSlaRow(node=TierNode.from_row(r.node), opened=r.opened, resolved=r.resolved,
                           breached=r.breached, median_resolution_seconds=r.median_resolution_seconds)
            for r in rows
        ])

    @strawberry.field(description="The subtree's best customers by lifetime value or order count.")
    async def top_customers(
        self, info: Info, node_id: NodeArg = None,
        by: t.TopCustomersBy = top.TopBy.LIFETIME_VALUE, first: int = 10,  # type: ignore[valid-type]
    ) -> list[t.TopCustomer] | None:
        async def run(session: DbSession, viewer: Viewer, pk: int | None) -> Any:
            return await top.top_customers(session, viewer, node_id=pk, by=top.TopBy(by), first=first)

        found = await _run(info, node_id, run)
        if found is None:
            return None
        return [t.TopCustomer(rank=c.rank, customer=Customer.from_row(c.customer),
                              lifetime_value=_money(c.lifetime_value_minor, info), orders=c.orders) for c in found]
