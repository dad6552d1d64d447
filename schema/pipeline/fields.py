"""Root fields of the sales pipeline: pipelines, opportunities, tasks and their mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import pipeline as m
from db.models import tree as tm
from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.pipeline import opportunities as opps
from resolvers.pipeline import pipelines as pipes
from resolvers.pipeline import tasks
from schema.errors import bad_input, forbidden, user_errors
from schema.loading import by_id
from schema.mutation import input_dict, run_mutation
from schema.pipeline.inputs import (
    CreateOpportunityInput,
    CreatePipelineInput,
    CreateTaskInput,
    LoseOpportunityInput,
    MoveOpportunityStageInput,
    OpportunityPayload,
    PipelinePayload,
    SnoozeTaskInput,
    TaskIdInput,
    TaskPayload,
    UpdateOpportunityInput,
    WinOpportunityInput,
)
from schema.pipeline.types import (
    Opportunity,
    OpportunityStatus,
    Pipeline,
    Task,
    fetch_opportunities,
    fetch_pipelines,
    fetch_tasks,
)
from schema.relay import Connection, decode_id, page_args, paginate, register_node

register_node(Pipeline, fetch_pipelines)
register_node(Opportunity, fetch_opportunities)
register_node(Task, fetch_tasks)


def _pk(gid: str, type_name: str) -> int:
    """The pk of a required id; a malformed one becomes 0, which no row has (NOT_FOUND)."""
    return decode_id(gid, type_name) or 0


def _opt_pk(gid: str | None, type_name: str) -> int | None:
    return None if gid is None else (decode_id(gid, type_name) or 0)


def _arg_pk(gid: str | None, type_name: str, name: str) -> int | None:
    """A query argument's pk; a malformed id is a bad argument."""
    if gid is None:
        return None
    pk = decode_id(gid, type_name)
    if pk is None:
        raise bad_input(f"{name} is not a {type_name} id")
    return pk


@strawberry.type
class Query:
    @strawberry.field(description="The tenant's pipelines, default first (created on first use).")
    async def pipelines(self, info: Info) -> list[Pipeline]:
        ctx = info.context
        _require(ctx.viewer, "opportunity.read")
        async with ctx.read() as session:
            rows = await pipes.pipelines(session)
        if not rows:
            async with ctx.write("ensureDefaultPipeline") as session:
                await pipes.ensure_default_pipeline(session)
                rows = await pipes.pipelines(session)
        return [Pipeline.from_row(r) for r in rows]

    @strawberry.field(description="Opportunities in the caller's subtree (or nodeId's), newest first.")
    async def opportunities(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None,
        status: list[OpportunityStatus] | None = None,  # type: ignore[valid-type]
        owner_id: strawberry.ID | None = None, node_id: strawberry.ID | None = None,
    ) -> Connection[Opportunity]:
        ctx = info.context
        _require(ctx.viewer, "opportunity.read")
        args = page_args(first, after, last, before)
        path = await _subtree_path(info, _arg_pk(node_id, "TierNode", "nodeId"))
        stmt = pipes.opportunities_statement(
            path=path, statuses=list(dict.fromkeys(status or ())), owner_id=_arg_pk(owner_id, "Staff", "ownerId")
        )
        order = [(m.Opportunity.created_at, True), (m.Opportunity.id, True)]
        return await paginate(ctx, stmt, order=order, args=args, convert=Opportunity.from_row)

    @strawberry.field(description="Tasks in the caller's subtree, soonest due first.")
    async def tasks(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None, assignee_id: strawberry.ID | None = None,
        due_before: datetime | None = None, done: bool | None = None,
    ) -> Connection[Task]:
        ctx = info.context
        _require(ctx.viewer, "task.read")
        args = page_args(first, after, last, before)
        stmt = tasks.tasks_statement(
            ctx.viewer, assignee_id=_arg_pk(assignee_id, "Staff", "assigneeId"),
            due_before=due_before, done=done,
        )
        order = [(m.Task.due_at, False), (m.Task.id, False)]
        return await paginate(ctx, stmt, order=order, args=args, convert=Task.from_row)


def _require(viewer: Viewer, action: str) -> None:
    """A role that may not read this is a top-level FORBIDDEN (queries have no payload)."""
    try:
        require(viewer, action)
    except DomainError as exc:
        raise forbidden(str(exc)) from exc


async def _subtree_path(info: Info, node_id: int | None) -> str:
    viewer = info.context.viewer
    if node_id is None:
        return viewer.scope_path
    node = await by_id(info.context, tm.TierNode).load(node_id)
    if node is None or not viewer.in_scope(node.path):
        raise bad_input("nodeId: no such node in your scope")
    return node.path


def _opportunity_payload(result: Any, errors: list[Any]) -> OpportunityPayload:
    return OpportunityPayload(opportunity=Opportunity.from_row(result) if result else None, errors=errors)


def _task_payload(result: Any, errors: list[Any]) -> TaskPayload:
    return TaskPayload(task=Task.from_row(result) if result else None, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new pipeline with ordered stages (ADMIN).")
    async def create_pipeline(self, info: Info, input: CreatePipelineInput) -> PipelinePayload:
        specs = [pipes.StageSpec(s.name, s.probability, m.OpportunityStatus(s.outcome.value))
                 for s in input.stages]

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await pipes.create_pipeline(session, viewer, name=input.name, stages=specs)

        row, errors = await run_mutation(info, "createPipeline", service)
        return PipelinePayload(pipeline=Pipeline.from_row(row) if row else None, errors=errors)

    @strawberry.mutation
    async def create_opportunity(self, info: Info, input: CreateOpportunityInput) -> OpportunityPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await opps.create_opportunity(
                session, viewer, customer_id=_pk(input.customer_id, "Customer"), title=input.title,
                amount=input.amount, currency=input.currency,
                expected_close_date=input.expected_close_date,
                owner_id=_opt_pk(input.owner_id, "Staff"),
                store_id=_opt_pk(input.store_id, "TierNode"),
                pipeline_id=_opt_pk(input.pipeline_id, "Pipeline"),
                stage_id=_opt_pk(input.stage_id, "PipelineStage"),
            )

        result, errors = await run_mutation(info, "createOpportunity", service)
        if result is None:
            return OpportunityPayload(errors=errors)
        row, warnings = result
        return OpportunityPayload(
            opportunity=Opportunity.from_row(row),
            warnings=user_errors(DomainError(problems=warnings)) if warnings else [],
        )

    @strawberry.mutation
    async def update_opportunity(self, info: Info, input: UpdateOpportunityInput) -> OpportunityPayload:
        changes = input_dict(input)
        changes.pop("id")
        if changes.get("owner_id") is not None:
            changes["owner_id"] = _pk(changes["owner_id"], "Staff")

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await opps.update_opportunity(
                session, viewer, opportunity_id=_pk(input.id, "Opportunity"), changes=changes
            )

        return _opportunity_payload(*await run_mutation(info, "updateOpportunity", service))

    @strawberry.mutation(description="Move an OPEN opportunity to another open stage of its pipeline.")
    async def move_opportunity_stage(
        self, info: Info, input: MoveOpportunityStageInput,
    ) -> OpportunityPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await opps.move_opportunity_stage(
                session, viewer, opportunity_id=_pk(input.id, "Opportunity"),
                stage_id=_pk(input.stage_id, "PipelineStage"),
            )

        return _opportunity_payload(*await run_mutation(info, "moveOpportunityStage", service))

    @strawberry.mutation
    async def win_opportunity(self, info: Info, input: WinOpportunityInput) -> OpportunityPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await opps.win_opportunity(
                session, viewer, opportunity_id=_pk(input.id, "Opportunity"),
                order_id=_opt_pk(input.order_id, "Order"),
            )

        return _opportunity_payload(*await run_mutation(info, "winOpportunity", service))

    @strawberry.mutation
    async def lose_opportunity(self, info: Info, input: LoseOpportunityInput) -> OpportunityPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await opps.lose_opportunity(
                session, viewer, opportunity_id=_pk(input.id, "Opportunity"), reason=input.reason
            )

        return _opportunity_payload(*await run_mutation(info, "loseOpportunity", service))

    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tasks.create_task(
                session, viewer, title=input.title, due_at=input.due_at,
                customer_id=_opt_pk(input.customer_id, "Customer"),
                opportunity_id=_opt_pk(input.opportunity_id, "Opportunity"),
                assignee_id=_opt_pk(input.assignee_id, "Staff"),
            )

        return _task_payload(*await run_mutation(info, "createTask", service))

    @strawberry.mutation
    async def complete_task(self, info: Info, input: TaskIdInput) -> TaskPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tasks.complete_task(session, viewer, task_id=_pk(input.id, "Task"))

        return _task_payload(*await run_mutation(info, "completeTask", service))

    @strawberry.mutation
    async def reopen_task(self, info: Info, input: TaskIdInput) -> TaskPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tasks.reopen_task(session, viewer, task_id=_pk(input.id, "Task"))

        return _task_payload(*await run_mutation(info, "reopenTask", service))

    @strawberry.mutation(description="Move an open task's due time later; it is reminded again then.")
    async def snooze_task(self, info: Info, input: SnoozeTaskInput) -> TaskPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tasks.snooze_task(
                session, viewer, task_id=_pk(input.id, "Task"), until=input.due_at
            )

        return _task_payload(*await run_mutation(info, "snoozeTask", service))
