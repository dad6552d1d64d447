"""Types of the sales, tier, ticket SLA and top-customer reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from resolvers.reports import common, top
from schema.customers.types import Customer
from schema.membership.types import MembershipTier
from schema.money import Money
from schema.tree.types import TierNode

ReportPeriod = strawberry.enum(common.Period, name="ReportPeriod", description="UTC days, ISO weeks, months.")
TopCustomersBy = strawberry.enum(top.TopBy, name="TopCustomersBy")


@strawberry.type
class SalesRow:
    node: TierNode
    period: date = strawberry.field(description="First day of the period (UTC).")
    orders: int
    revenue: Money
    average_order_value: Money = strawberry.field(description="revenue / orders, rounded half to even.")


@strawberry.type
class SalesReport:
    node: TierNode
    rows: list[SalesRow] = strawberry.field(description="Paid and fulfilled orders; only non-empty rows.")


@strawberry.type
class TierCount:
    node: TierNode
    tier: MembershipTier
    members: int


@strawberry.type
class TierMovement:
    node: TierNode
    from_: MembershipTier | None = strawberry.field(name="from", description="null: joined the program")
    to: MembershipTier
    upgrade: bool = strawberry.field(description="to a higher rank (or joined)")
    count: int


@strawberry.type
class TierDistribution:
    node: TierNode
    counts: list[TierCount] = strawberry.field(description="Members per tier per child node.")
    movements: list[TierMovement] = strawberry.field(description="Tier changes in the period.")


@strawberry.type
class TicketSlaRow:
    node: TierNode
    opened: int
    resolved: int
    breached: int = strawberry.field(description="Of the tickets opened in the period.")
    median_resolution_seconds: Decimal | None = strawberry.field(
        description="Exact median over the tickets resolved in the period."
    )


@strawberry.type
class TicketSlaReport:
    node: TierNode
    rows: list[TicketSlaRow]


@strawberry.type
class TopCustomer:
    rank: int
    customer: Customer
    lifetime_value: Money
    orders: int
