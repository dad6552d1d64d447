"""Inputs and payloads of the pipeline, opportunity and task mutations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.errors import UserError
from schema.pipeline.types import Opportunity, OpportunityStatus, Pipeline, Task


@strawberry.input
class StageInput:
    name: str
    probability: Decimal = strawberry.field(description="A fraction from 0 to 1.")
    outcome: OpportunityStatus = OpportunityStatus.OPEN  # type: ignore[valid-type, attr-defined]


@strawberry.input
class CreatePipelineInput:
    name: str
    stages: list[StageInput]


@strawberry.type
class PipelinePayload:
    pipeline: Pipeline | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateOpportunityInput:
    customer_id: strawberry.ID
    title: str
    amount: Decimal
    currency: str | None = strawberry.field(default=None, description="Default: reporting currency.")
    expected_close_date: str | None = strawberry.field(default=None, description="YYYY-MM-DD.")
    owner_id: strawberry.ID | None = strawberry.field(default=None, description="Default: the caller.")
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Default: the customer's node.")
    pipeline_id: strawberry.ID | None = None
    stage_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the first open stage of the pipeline (default pipeline)."
    )


@strawberry.input
class UpdateOpportunityInput:
    id: strawberry.ID
    title: str | None = strawberry.UNSET
    amount: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    expected_close_date: str | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class MoveOpportunityStageInput:
    id: strawberry.ID
    stage_id: strawberry.ID


@strawberry.input
class WinOpportunityInput:
    id: strawberry.ID
    order_id: strawberry.ID | None = None


@strawberry.input
class LoseOpportunityInput:
    id: strawberry.ID
    reason: str


@strawberry.type
class OpportunityPayload:
    opportunity: Opportunity | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    warnings: list[UserError] = strawberry.field(
        default_factory=list, description="Accepted but worth a look, e.g. a close date in the past."
    )


@strawberry.input
class CreateTaskInput:
    title: str
    due_at: datetime
    customer_id: strawberry.ID | None = None
    opportunity_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.input
class TaskIdInput:
    id: strawberry.ID


@strawberry.input
class SnoozeTaskInput:
    id: strawberry.ID
    due_at: datetime


@strawberry.type
class TaskPayload:
    task: Task | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
