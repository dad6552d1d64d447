"""Pipeline, PipelineStage, Opportunity (with its stage history) and Task."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import core as cm
from db.models import customers as cust
from db.models import pipeline as m
from db.models import tree as tm
from schema.core.types import Staff
from schema.customers.types import Customer
from schema.loading import by_id, many_by
from schema.money import Money
from schema.relay import Node, to_global_id
from schema.tree.types import TierNode

OpportunityStatus = strawberry.enum(m.OpportunityStatus, name="OpportunityStatus")


@strawberry.type(name="PipelineStage")
class PipelineStage:
    id: strawberry.ID
    name: str
    rank: int
    probability: Decimal = strawberry.field(description="Win probability as a fraction: 0.6 is 60 %.")
    outcome: OpportunityStatus = strawberry.field(  # type: ignore[valid-type]
        description="OPEN for working stages; WON/LOST for where closed opportunities land."
    )

    @classmethod
    def from_row(cls, row: m.PipelineStage) -> PipelineStage:
        return cls(id=to_global_id("PipelineStage", row.id), name=row.name, rank=row.rank,
                   probability=row.probability.normalize(), outcome=row.outcome)


async def load_stage(info: Info, stage_id: int | None) -> PipelineStage | None:
    if stage_id is None:
        return None
    row = await by_id(info.context, m.PipelineStage).load(stage_id)
    return PipelineStage.from_row(row) if row is not None else None


async def load_staff(info: Info, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    row = await by_id(info.context, cm.Staff).load(staff_id)
    return Staff.from_row(row) if row is not None else None


async def load_customer(info: Info, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    row = await by_id(info.context, cust.Customer).load(customer_id)
    return Customer.from_row(row) if row is not None else None


@strawberry.type(name="Pipeline")
class Pipeline(Node):
    row: strawberry.Private[m.Pipeline]
    id: strawberry.ID
    name: str
    is_default: bool

    @classmethod
    def from_row(cls, row: m.Pipeline) -> Pipeline:
        return cls(row=row, id=to_global_id("Pipeline", row.id), name=row.name, is_default=row.is_default)

    @strawberry.field(description="Stages in order (rank).")
    async def stages(self, info: Info) -> list[PipelineStage]:
        rows = await many_by(info.context, m.PipelineStage, m.PipelineStage.pipeline_id,
                             order_by=[m.PipelineStage.rank]).load(self.row.id)
        return [PipelineStage.from_row(r) for r in rows]


@strawberry.type(name="OpportunityStageChange")
class OpportunityStageChange:
    row: strawberry.Private[m.OpportunityStageChange]
    at: datetime

    @strawberry.field(name="from")
    async def from_(self, info: Info) -> PipelineStage | None:
        return await load_stage(info, self.row.from_stage_id)

    @strawberry.field
    async def to(self, info: Info) -> PipelineStage:
        stage = await load_stage(info, self.row.to_stage_id)
        assert stage is not None
        return stage

    @strawberry.field(description="Who moved it; null for a system change.")
    async def by(self, info: Info) -> Staff | None:
        return await load_staff(info, self.row.actor_id)


@strawberry.type(name="Opportunity")
class Opportunity(Node):
    row: strawberry.Private[m.Opportunity]
    id: strawberry.ID
    title: str
    amount: Money
    expected_close_date: str | None
    status: OpportunityStatus  # type: ignore[valid-type]
    lost_reason: str | None
    won_order_id: strawberry.ID | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: m.Opportunity) -> Opportunity:
        close = row.expected_close_date
        return cls(
            row=row, id=to_global_id("Opportunity", row.id), title=row.title,
            amount=Money.of(row.amount_minor, row.currency),
            expected_close_date=close.isoformat() if close else None, status=row.status,
            lost_reason=row.lost_reason,
            won_order_id=to_global_id("Order", row.won_order_id) if row.won_order_id else None,
            closed_at=row.closed_at, created_at=row.created_at, updated_at=row.updated_at,
        )

    @strawberry.field(description="The amount in the tenant's reporting currency.")
    def amount_reporting(self, info: Info) -> Money:
        return Money.of(self.row.amount_reporting_minor, info.context.viewer.reporting_currency)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        found = await load_customer(info, self.row.customer_id)
        assert found is not None
        return found

    @strawberry.field
    async def owner(self, info: Info) -> Staff:
        found = await load_staff(info, self.row.owner_id)
        assert found is not None
        return found

    @strawberry.field
    async def store(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.node_id))

    @strawberry.field
    async def pipeline(self, info: Info) -> Pipeline:
        return Pipeline.from_row(await by_id(info.context, m.Pipeline).load(self.row.pipeline_id))

    @strawberry.field
    async def stage(self, info: Info) -> PipelineStage:
        found = await load_stage(info, self.row.stage_id)
        assert found is not None
        return found

    @strawberry.field(description="Every stage change, oldest first.")
    async def stage_history(self, info: Info) -> list[OpportunityStageChange]:
        rows = await many_by(
            info.context, m.OpportunityStageChange, m.OpportunityStageChange.opportunity_id,
            order_by=[m.OpportunityStageChange.at, m.OpportunityStageChange.id],
        ).load(self.row.id)
        return [OpportunityStageChange(row=r, at=r.at) for r in rows]


@strawberry.type(name="Task")
class Task(Node):
    row: strawberry.Private[m.Task]
    id: strawberry.ID
    title: str
    due_at: datetime
    done: bool
    done_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: m.Task) -> Task:
        return cls(row=row, id=to_global_id("Task", row.id), title=row.title, due_at=row.due_at,
                   done=row.done_at is not None, done_at=row.done_at, created_at=row.created_at)

    @strawberry.field
    async def assignee(self, info: Info) -> Staff:
        found = await load_staff(info, self.row.assignee_id)
        assert found is not None
        return found

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        return await load_customer(info, self.row.customer_id)

    @strawberry.field
    async def opportunity(self, info: Info) -> Opportunity | None:
        if self.row.opportunity_id is None:
            return None
        row = await by_id(info.context, m.Opportunity).load(self.row.opportunity_id)
        return Opportunity.from_row(row) if row is not None else None


async def _in_scope(info: Info, model: Any, pks: list[int]) -> list[Any]:
    """Rows of `model` by id whose node lies in the viewer's subtree, else None."""
    ctx = info.context
    rows = await by_id(ctx, model).load_many(pks)
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [r if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
            for r, n in zip(rows, nodes, strict=True)]


async def fetch_opportunities(info: Info, pks: list[int]) -> list[Any]:
    return [Opportunity.from_row(r) if r else None for r in await _in_scope(info, m.Opportunity, pks)]


async def fetch_tasks(info: Info, pks: list[int]) -> list[Any]:
    return [Task.from_row(r) if r else None for r in await _in_scope(info, m.Task, pks)]


async def fetch_pipelines(info: Info, pks: list[int]) -> list[Any]:
    rows = await by_id(info.context, m.Pipeline).load_many(pks)
    return [Pipeline.from_row(r) if r is not None else None for r in rows]
