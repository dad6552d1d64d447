"""Opportunities: create, update, the stage machine with its history, win and lose."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit, outbox
from db.base import utcnow
from db.models.core import Staff
from db.models.pipeline import Opportunity, OpportunityStageChange, PipelineStage
from db.models.tree import TierNode, in_subtree
from resolvers.common.errors import DomainError, ErrorCode, Problem, invalid, not_found
from resolvers.common.money import convert_minor, currency_code, from_minor, to_minor
from resolvers.common.permissions import require
from resolvers.common.rates import reporting_rate
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import customer_in_scope
from resolvers.orders.orders import order_in_scope
from resolvers.pipeline.pipelines import LOST, OPEN, WON, closing_stage, resolve_stage, stage_of
from resolvers.tree.nodes import node_in_scope

# Forecasts sum amounts in 64-bit integers: 90,000 opportunities at this bound still fit.
MAX_MINOR = 10**14


async def staff_covering(
    session: AsyncSession, viewer: Viewer, staff_id: int, node: TierNode, field: str,
) -> Staff:
    """An active staff member whose scope contains `node`, else a UserError at `field`.

    One the viewer may not see (outside their subtree) answers exactly as a missing id.
    """
    row = (await session.execute(
        select(Staff, TierNode.path).join(TierNode, TierNode.id == Staff.scope_node_id)
        .where(Staff.id == staff_id)
    )).first()
    if row is not None:
        staff, scope_path = row
        if staff.active and node.path.startswith(scope_path):
            return staff
        if viewer.in_scope(scope_path):
            raise invalid("the staff member is inactive or their scope does not contain the customer's node", field)
    raise not_found("staff member", field)


async def opportunity_in_scope(
    session: AsyncSession, viewer: Viewer, opportunity_id: int, field: str = "id",
) -> Opportunity:
    row = (await session.execute(
        select(Opportunity, TierNode.path).join(TierNode, TierNode.id == Opportunity.node_id)
        .where(Opportunity.id == opportunity_id)
    )).first()
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("opportunity", field)
    return row[0]


def _close_date(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise invalid(f"{value!r} is not a date (YYYY-MM-DD)", "expectedCloseDate") from exc


async def _amounts(
    session: AsyncSession, viewer: Viewer, amount: Decimal, currency: str,
) -> tuple[str, int, int]:
    """(currency, minor units, reporting minor units at today's rate)."""
    code = currency_code(currency, "currency")
    if not amount.is_finite() or amount < 0:
        raise invalid("amount must be zero or more", "amount")
    minor = to_minor(amount, code, "amount")
    if minor > MAX_MINOR:
        raise invalid("amount is too large", "amount")
    rate = await reporting_rate(
        session, currency=code, reporting=viewer.reporting_currency, day=utcnow().date()
    )
    return code, minor, convert_minor(minor, code, rate, viewer.reporting_currency)


async def create_opportunity(
    session: AsyncSession, viewer: Viewer, *, customer_id: int, title: str, amount: Decimal,
    currency: str | None = None, expected_close_date: str | None = None,
    owner_id: int | None = None, store_id: int | None = None,
    pipeline_id: int | None = None, stage_id: int | None = None,
) -> tuple[Opportunity, list[Problem]]:
    """A new OPEN opportunity, and warnings (a close date in the past is allowed, flagged)."""
    require(viewer, "opportunity.write")
    customer, customer_node = await customer_in_scope(session, viewer, customer_id, "customerId")
    node = customer_node if store_id is None else await node_in_scope(session, viewer, store_id, "storeId")
    title = title.strip()
    if not title or len(title) > 200:
        raise invalid("title must have 1 to 200 characters", "title")
    code, minor, reporting_minor = await _amounts(
        session, viewer, amount, currency or viewer.reporting_currency
    )
    close = _close_date(expected_close_date)
    owner = await staff_covering(session, viewer, owner_id or viewer.staff_id, customer_node, "ownerId")
    stage = await resolve_stage(session, pipeline_id=pipeline_id, stage_id=stage_id)
    opp = Opportunity(
        pipeline_id=stage.pipeline_id, stage_id=stage.id, customer_id=customer.id,
        owner_id=owner.id, node_id=node.id, title=title, currency=code, amount_minor=minor,
        amount_reporting_minor=reporting_minor, expected_close_date=close, status=OPEN,
    )
    session.add(opp)
    await session.flush()
    session.add(OpportunityStageChange(
        opportunity_id=opp.id, from_stage_id=None, to_stage_id=stage.id, actor_id=viewer.staff_id
    ))
    _emit(session, "OPPORTUNITY_CREATED", opp, stage=stage.name)
    warnings = []
    if close is not None and close < utcnow().date():
        warnings.append(Problem(ErrorCode.INVALID, "the expected close date is in the past",
                                ("expectedCloseDate",)))
    return opp, warnings


async def update_opportunity(
    session: AsyncSession, viewer: Viewer, *, opportunity_id: int, changes: dict[str, Any],
) -> Opportunity:
    """Change title, amount/currency, close date or owner of an OPEN opportunity."""
    require(viewer, "opportunity.write")
    opp = await opportunity_in_scope(session, viewer, opportunity_id)
    if opp.status is not OPEN:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, f"the opportunity is {opp.status.value}")
    if "title" in changes:
        title = (changes["title"] or "").strip()
        if not title or len(title) > 200:
            raise invalid("title must have 1 to 200 characters", "title")
        opp.title = title
    if "amount" in changes or "currency" in changes:
        amount = changes.get("amount")
        if "amount" in changes and amount is None:
            raise invalid("amount cannot be null", "amount")
        code, minor, reporting_minor = await _amounts(
            session, viewer, amount if amount is not None else _decimal(opp),
            changes.get("currency") or opp.currency,
        )
        opp.currency, opp.amount_minor, opp.amount_reporting_minor = code, minor, reporting_minor
    if "expected_close_date" in changes:
        opp.expected_close_date = _close_date(changes["expected_close_date"])
    if changes.get("owner_id") is not None:
        _, customer_node = await customer_in_scope(session, viewer, opp.customer_id, "id")
        opp.owner_id = (await staff_covering(session, viewer, changes["owner_id"], customer_node, "ownerId")).id
    await session.flush()
    return opp


def _decimal(opp: Opportunity) -> Decimal:
    return from_minor(opp.amount_minor, opp.currency)


def _emit(session: AsyncSession, event_type: str, opp: Opportunity, **extra: object) -> None:
    outbox.emit(session, event_type, subject=opp, node_id=opp.node_id, data={
        "title": opp.title, "status": opp.status, "amount": str(_decimal(opp)),
        "currency": opp.currency, "customerId": opp.customer_id, "ownerId": opp.owner_id, **extra,
    })


async def _transition(
    session: AsyncSession, viewer: Viewer, opp: Opportunity, values: dict[str, Any],
) -> None:
    """Apply a stage/status change only if nobody changed the opportunity since we read it.

    A conditional UPDATE, because SELECT FOR UPDATE does nothing on SQLite and a
    concurrent move on PostgreSQL would otherwise write history from a stale stage.
    """
    before = {k: getattr(opp, k) for k in values}
    moved = (await session.execute(
        update(Opportunity)
        .where(Opportunity.id == opp.id, Opportunity.status == OPEN,
               Opportunity.stage_id == opp.stage_id)
        .values(**values, updated_at=utcnow())
        .returning(Opportunity.id)
        .execution_options(synchronize_session=False)
    )).scalar_one_or_none()
    if moved is None:
        raise DomainError(ErrorCode.CONFLICT, "the opportunity changed meanwhile; reload it", ("id",))
    audit.record(session.sync_session, tenant_id=opp.tenant_id, entity_type="Opportunity",
                 entity_id=opp.id, changes={k: [before[k], v] for k, v in values.items()})
    await session.refresh(opp)


def _history(session: AsyncSession, viewer: Viewer, opp_id: int, from_id: int, to_id: int) -> None:
    session.add(OpportunityStageChange(
        opportunity_id=opp_id, from_stage_id=from_id, to_stage_id=to_id, actor_id=viewer.staff_id
    ))


async def _open(session: AsyncSession, viewer: Viewer, opportunity_id: int) -> Opportunity:
    require(viewer, "opportunity.write")
    opp = await opportunity_in_scope(session, viewer, opportunity_id)
    if opp.status is not OPEN:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, f"the opportunity is already {opp.status.value}")
    return opp


async def move_opportunity_stage(
    session: AsyncSession, viewer: Viewer, *, opportunity_id: int, stage_id: int,
) -> Opportunity:
    opp = await _open(session, viewer, opportunity_id)
    stage = await stage_of(session, stage_id, "stageId")
    if stage.pipeline_id != opp.pipeline_id:
        raise invalid("the stage belongs to another pipeline", "stageId")
    if stage.outcome is not OPEN:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION,
                          "close with winOpportunity or loseOpportunity", ("stageId",))
    if stage.id == opp.stage_id:
        return opp
    from_stage = await stage_of(session, opp.stage_id, "id")
    await _transition(session, viewer, opp, {"stage_id": stage.id})
    _history(session, viewer, opp.id, from_stage.id, stage.id)
    _emit(session, "OPPORTUNITY_STAGE_CHANGED", opp, stage=stage.name, fromStage=from_stage.name)
    await session.flush()
    return opp


async def _close(
    session: AsyncSession, viewer: Viewer, opp: Opportunity, status: Any, extra: dict[str, Any],
) -> PipelineStage | None:
    landing = await closing_stage(session, opp.pipeline_id, status)
    from_stage_id = opp.stage_id
    values = {"status": status, "closed_at": utcnow(), **extra}
    if landing is not None:
        values["stage_id"] = landing.id
    await _transition(session, viewer, opp, values)
    if landing is not None and landing.id != from_stage_id:
        _history(session, viewer, opp.id, from_stage_id, landing.id)
    return landing


async def win_opportunity(
    session: AsyncSession, viewer: Viewer, *, opportunity_id: int, order_id: int | None = None,
) -> Opportunity:
    """Mark an OPEN opportunity WON, optionally linking the order it turned into."""
    opp = await _open(session, viewer, opportunity_id)
    if order_id is not None:
        order = await order_in_scope(session, viewer, order_id, "orderId")
        if order.customer_id != opp.customer_id:
            raise invalid("the order is of another customer", "orderId")
    await _close(session, viewer, opp, WON, {"won_order_id": order_id})
    _emit(session, "OPPORTUNITY_WON", opp, orderId=order_id)
    await session.flush()
    return opp


async def lose_opportunity(
    session: AsyncSession, viewer: Viewer, *, opportunity_id: int, reason: str,
) -> Opportunity:
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise invalid("a reason of 1 to 500 characters is required", "reason")
    opp = await _open(session, viewer, opportunity_id)
    await _close(session, viewer, opp, LOST, {"lost_reason": reason})
    _emit(session, "OPPORTUNITY_LOST", opp, reason=reason)
    await session.flush()
    return opp


def opportunity_timeline_source(viewer: Viewer, customers: Sequence[int]) -> Select[Any]:
    """Timeline source (resolvers.customers.timeline.register_source): (at, id, customer_id) of the
    customers' opportunities that lie in the viewer's subtree, at their creation."""
    subtree = select(TierNode.id).where(in_subtree(TierNode.path, viewer.scope_path))
    return select(
        Opportunity.created_at.label("at"), Opportunity.id.label("id"),
        Opportunity.customer_id.label("customer_id"),
    ).where(Opportunity.customer_id.in_(customers), Opportunity.node_id.in_(subtree))
