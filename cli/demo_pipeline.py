"""Demo data for the sales pipeline: opportunities in every stage, won and lost ones, tasks."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.core import Role, Staff
from db.models.customers import Customer
from db.models.pipeline import Opportunity, OpportunityStageChange, PipelineStage, Task
from resolvers.pipeline.pipelines import OPEN, ensure_default_pipeline

OPPORTUNITIES = 240
TITLES = ["Store fit-out", "Loyalty upgrade", "Corporate gifts", "Bulk order", "Event catering",
          "Seasonal collection", "Staff uniforms", "Wedding list"]


async def seed(session: AsyncSession, tenant: Any, stores: list[Any], rng: random.Random) -> None:
    """Opportunities for a sample of customers (in the reporting currency), owned by the admin."""
    customers = (await session.execute(select(Customer.id, Customer.node_id).limit(OPPORTUNITIES))).all()
    admin_id = await session.scalar(select(Staff.id).where(Staff.role == Role.ADMIN).limit(1))
    if not customers or admin_id is None:
        return
    pipeline = await ensure_default_pipeline(session)
    stages = list((await session.scalars(
        select(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id).order_by(PipelineStage.rank)
    )).all())
    now = utcnow()
    for customer_id, node_id in customers:
        stage = rng.choice(stages)
        created = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
        minor = rng.randint(20, 5000) * 100
        opp = Opportunity(
            pipeline_id=pipeline.id, stage_id=stage.id, customer_id=customer_id, owner_id=admin_id,
            node_id=node_id, title=rng.choice(TITLES), currency=tenant.reporting_currency,
            amount_minor=minor, amount_reporting_minor=minor, status=stage.outcome,
            expected_close_date=(now + timedelta(days=rng.randint(-10, 90))).date(),
            created_at=created,
            closed_at=None if stage.outcome is OPEN else created + timedelta(days=rng.randint(1, 60)),
            lost_reason="price" if stage.outcome.value == "LOST" else None,
        )
        session.add(opp)
        await session.flush()
        session.add(OpportunityStageChange(opportunity_id=opp.id, to_stage_id=stage.id,
                                           actor_id=admin_id, at=created))
        if stage.outcome is OPEN and rng.random() < 0.5:
            session.add(Task(
                title=f"Follow up: {opp.title}", due_at=now + timedelta(hours=rng.randint(-48, 96)),
                assignee_id=admin_id, customer_id=customer_id, opportunity_id=opp.id,
                node_id=node_id, created_by_id=admin_id,
            ))
    await session.flush()
