"""Pipelines with ordered stages, and the default one every tenant gets on first use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import new_id, utcnow
from db.models.pipeline import Opportunity, OpportunityStatus, Pipeline, PipelineStage
from db.models.tree import TierNode, in_subtree
from db.upsert import insert_for
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer

OPEN, WON, LOST = OpportunityStatus.OPEN, OpportunityStatus.WON, OpportunityStatus.LOST
DEFAULT_PIPELINE = "Sales"
PROBABILITY_STEP = Decimal("0.0001")  # the same on both backends (the column keeps 10 places)
DEFAULT_STAGES = (
    ("Lead", Decimal("0.1"), OPEN),
    ("Qualified", Decimal("0.3"), OPEN),
    ("Proposal", Decimal("0.6"), OPEN),
    ("Won", Decimal("1"), WON),
    ("Lost", Decimal("0"), LOST),
)


@dataclass(frozen=True)
class StageSpec:
    name: str
    probability: Decimal
    outcome: OpportunityStatus = OPEN


async def pipelines(session: AsyncSession) -> list[Pipeline]:
    """The tenant's pipelines, default first."""
    stmt = select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.name)
    return list((await session.scalars(stmt)).all())


async def ensure_default_pipeline(session: AsyncSession) -> Pipeline:
    """The session tenant's default pipeline, created with its stages the first time.

    The insert is ON CONFLICT DO NOTHING so that two first requests racing on
    PostgreSQL neither fail nor create two pipelines.
    """
    found = await session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
    if found is not None:
        return found
    tenant_id = session.info["tenant_id"]
    stmt = (
        insert_for(session, Pipeline)
        .values(tenant_id=tenant_id, id=new_id(), name=DEFAULT_PIPELINE, is_default=True,
                created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["tenant_id", "name"])
        .returning(Pipeline.id)
    )
    created = (await session.execute(stmt)).scalar_one_or_none()
    if created is not None:
        audit.record(session.sync_session, tenant_id=tenant_id, entity_type="Pipeline",
                     entity_id=created, changes={"name": [None, DEFAULT_PIPELINE]})
        session.add_all(
            PipelineStage(pipeline_id=created, name=name, rank=rank, probability=p, outcome=outcome)
            for rank, (name, p, outcome) in enumerate(DEFAULT_STAGES)
        )
        await session.flush()
    found = await session.scalar(
        select(Pipeline).where(Pipeline.name == DEFAULT_PIPELINE).execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def create_pipeline(
    session: AsyncSession, viewer: Viewer, *, name: str, stages: Sequence[StageSpec],
) -> Pipeline:
    require(viewer, "tenant.admin")
    await ensure_default_pipeline(session)  # so that the first pipeline never takes its place
    problems = Problems()
    name = name.strip()
    if not name or len(name) > 200:
        problems.add(ErrorCode.INVALID, "name must have 1 to 200 characters", "name")
    elif await session.scalar(select(Pipeline.id).where(Pipeline.name == name)) is not None:
        problems.add(ErrorCode.CONFLICT, f"a pipeline named {name!r} exists", "name")
    _check_stages(problems, stages)
    problems.raise_if_any()
    pipeline = Pipeline(name=name, is_default=False)
    session.add(pipeline)
    await session.flush()
    session.add_all(
        PipelineStage(pipeline_id=pipeline.id, name=s.name.strip(), rank=rank,
                      probability=s.probability, outcome=s.outcome)
        for rank, s in enumerate(stages)
    )
    await session.flush()
    return pipeline


def _check_stages(problems: Problems, stages: Sequence[StageSpec]) -> None:
    if not any(s.outcome is OPEN for s in stages):
        problems.add(ErrorCode.INVALID, "a pipeline needs at least one open stage", "stages")
    seen: set[str] = set()
    outcomes: set[OpportunityStatus] = set()
    for i, s in enumerate(stages):
        label = s.name.strip()
        if not label or len(label) > 100:
            problems.add(ErrorCode.INVALID, "a stage name has 1 to 100 characters", ("stages", i, "name"))
        elif label.lower() in seen:
            problems.add(ErrorCode.CONFLICT, f"stage {label!r} appears twice", ("stages", i, "name"))
        seen.add(label.lower())
        p = s.probability
        if not p.is_finite() or not Decimal(0) <= p <= Decimal(1) or p != p.quantize(PROBABILITY_STEP):
            problems.add(ErrorCode.INVALID, "probability is a fraction from 0 to 1, at most 4 decimals",
                         ("stages", i, "probability"))
        if s.outcome is not OPEN:
            if s.outcome in outcomes:
                problems.add(ErrorCode.INVALID, f"only one {s.outcome.value} stage",
                             ("stages", i, "outcome"))
            outcomes.add(s.outcome)


async def stage_of(session: AsyncSession, stage_id: int, field: str) -> PipelineStage:
    stage = await session.get(PipelineStage, (session.info["tenant_id"], stage_id))
    if stage is None:
        raise not_found("stage", field)
    return stage


async def first_open_stage(session: AsyncSession, pipeline_id: int, field: str) -> PipelineStage:
    stage = await session.scalar(
        select(PipelineStage)
        .where(PipelineStage.pipeline_id == pipeline_id, PipelineStage.outcome == OPEN)
        .order_by(PipelineStage.rank).limit(1)
    )
    if stage is None:
        raise not_found("pipeline", field)
    return stage


async def closing_stage(
    session: AsyncSession, pipeline_id: int, outcome: OpportunityStatus,
) -> PipelineStage | None:
    """The stage a won (or lost) opportunity lands in, if the pipeline has one."""
    return await session.scalar(
        select(PipelineStage)
        .where(PipelineStage.pipeline_id == pipeline_id, PipelineStage.outcome == outcome)
        .order_by(PipelineStage.rank).limit(1)
    )


async def resolve_stage(
    session: AsyncSession, *, pipeline_id: int | None, stage_id: int | None,
) -> PipelineStage:
    """The stage a new opportunity starts in: given, else the pipeline's first open one."""
    if stage_id is not None:
        stage = await stage_of(session, stage_id, "stageId")
        if pipeline_id is not None and stage.pipeline_id != pipeline_id:
            raise DomainError(ErrorCode.INVALID, "the stage belongs to another pipeline", ("stageId",))
        if stage.outcome is not OPEN:
            raise DomainError(ErrorCode.INVALID, "a new opportunity starts in an open stage", ("stageId",))
        return stage
    if pipeline_id is None:
        pipeline_id = (await ensure_default_pipeline(session)).id
    return await first_open_stage(session, pipeline_id, "pipelineId")


def opportunities_statement(
    *, path: str, statuses: Sequence[OpportunityStatus] | None = None, owner_id: int | None = None,
) -> Select[Any]:
    """Opportunities in the subtree at `path`, filtered; paginate by (created_at, id) desc."""
    # A subquery rather than a join, so that the count of the connection stays a plain count.
    subtree = select(TierNode.id).where(in_subtree(TierNode.path, path))
    stmt = select(Opportunity).where(Opportunity.node_id.in_(subtree))
    if statuses:
        stmt = stmt.where(Opportunity.status.in_(list(statuses)))
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    return stmt
