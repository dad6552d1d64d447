"""Service tickets: SLA from priority, the status machine, assignment, comments.

Status machine: OPEN -> IN_PROGRESS <-> WAITING; OPEN, IN_PROGRESS and WAITING ->
RESOLVED (OPEN -> RESOLVED is allowed: a question answered on first contact needs
no work phase); RESOLVED -> CLOSED (final); RESOLVED -> OPEN reopens. Setting the
current status again is no change. The SLA clock runs from creation and does not
pause in WAITING; changing the priority recomputes `sla_due_at` from `created_at`.
A ticket is breached while unresolved past its due time, or when it was resolved
after it (a reopened ticket counts as unresolved again).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from types import EllipsisType

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from db import audit, outbox
from db.base import utcnow
from db.models.core import Staff, Tenant
from db.models.customers import Customer
from db.models.service import Ticket, TicketComment, TicketPriority, TicketStatus
from db.models.tree import TierNode, in_subtree
from resolvers.common.errors import DomainError, ErrorCode, invalid, not_found
from resolvers.common.numbering import next_number
from resolvers.common.permissions import can, require
from resolvers.common.viewer import Viewer
from resolvers.core.auth import viewer_of
from resolvers.customers.customers import customer_in_scope
from resolvers.tree import rollups
from resolvers.tree.rollups import RollupScope

S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.WAITING, S.RESOLVED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.OPEN}),
    S.CLOSED: frozenset(),
}
UNRESOLVED = frozenset({S.OPEN, S.IN_PROGRESS, S.WAITING})
DEFAULT_SLA_HOURS = {"URGENT": 4, "HIGH": 24, "NORMAL": 72, "LOW": 168}


async def sla_hours(session: AsyncSession, priority: TicketPriority) -> float:
    """Hours to resolve at `priority`: tenant.settings["sla_hours"][priority], else the default."""
    tenant = await session.get(Tenant, session.info["tenant_id"])
    override = ((tenant.settings if tenant else None) or {}).get("sla_hours", {}).get(priority.value)
    if isinstance(override, int | float) and not isinstance(override, bool) and override > 0:
        return float(override)
    return float(DEFAULT_SLA_HOURS[priority.value])


def is_breached(ticket: Ticket, now: datetime) -> bool:
    if ticket.resolved_at is not None:
        return ticket.resolved_at > ticket.sla_due_at
    return ticket.status in UNRESOLVED and now > ticket.sla_due_at


def breached_clause(now: datetime) -> ColumnElement[bool]:
    """SQL twin of is_breached; never NULL, so that NOT of it works too."""
    return or_(
        and_(Ticket.resolved_at.is_(None), Ticket.status.in_(UNRESOLVED), Ticket.sla_due_at < now),
        and_(Ticket.resolved_at.is_not(None), Ticket.resolved_at > Ticket.sla_due_at),
    )


async def ticket_in_scope(session: AsyncSession, viewer: Viewer, ticket_id: int) -> tuple[Ticket, TierNode]:
    """The ticket and its customer's node; NOT_FOUND outside the viewer's subtree."""
    row = (await session.execute(
        select(Ticket, TierNode).join(Customer, Customer.id == Ticket.customer_id)
        .join(TierNode, TierNode.id == Customer.node_id).where(Ticket.id == ticket_id)
    )).first()
    if row is None or not viewer.in_scope(row[1].path):
        raise not_found("ticket")
    return row[0], row[1]


def _text(value: str, name: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise invalid(f"{name} must have 1 to {limit} characters", name)
    return value


async def open_ticket(
    session: AsyncSession, viewer: Viewer, *, customer_id: int, subject: str, description: str,
    priority: TicketPriority = TicketPriority.NORMAL, opened_at: datetime | None = None,
) -> Ticket:
    """A new OPEN ticket due `sla_hours(priority)` after it was opened."""
    require(viewer, "ticket.write")
    subject = _text(subject, "subject", 200)
    description = _text(description, "description", 10_000)
    customer, _ = await customer_in_scope(session, viewer, customer_id, "customerId")
    created = opened_at or utcnow()
    ticket = Ticket(
        number=await next_number(session, "ticket", "T"), customer_id=customer.id, subject=subject,
        description=description, status=S.OPEN, priority=priority, created_at=created, updated_at=created,
        sla_due_at=created + timedelta(hours=await sla_hours(session, priority)),
    )
    session.add(ticket)
    await session.flush()
    outbox.emit(session, "TICKET_OPENED", subject=ticket, node_id=customer.node_id,
                data={"number": ticket.number, "priority": priority, "slaDueAt": ticket.sla_due_at})
    return ticket


async def _assignee(session: AsyncSession, viewer: Viewer, staff_id: int, customer_path: str) -> Staff:
    """An active staff member who may work on the ticket; one the viewer may not see answers as missing."""
    row = (await session.execute(
        select(Staff, TierNode.path).join(TierNode, TierNode.id == Staff.scope_node_id)
        .where(Staff.id == staff_id, Staff.active.is_(True))
    )).first()
    if row is not None:
        staff, scope_path = row
        if not customer_path.startswith(scope_path):
            problem = "the assignee's scope does not contain the customer"
        elif not can(viewer_of(staff, scope_path), "ticket.write"):
            problem = f"a {staff.role} may not work on tickets"
        else:
            return staff
        if viewer.in_scope(scope_path):
            raise invalid(problem, "assigneeId")
    raise not_found("staff member", "assigneeId")


async def _change_status(session: AsyncSession, ticket: Ticket, target: TicketStatus, now: datetime) -> None:
    before = ticket.status
    if target not in TRANSITIONS[before]:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, f"a {before} ticket cannot become {target}", ("status",))
    resolved_at = now if target is S.RESOLVED else (ticket.resolved_at if target is S.CLOSED else None)
    # Conditional on the status read: of two concurrent changes only one applies.
    changed = (await session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status == before)
        .values(status=target, resolved_at=resolved_at, updated_at=now)
        .returning(Ticket.id).execution_options(synchronize_session="fetch")
    )).first()
    if changed is None:
        raise DomainError(ErrorCode.CONFLICT, "the ticket changed meanwhile: reload it", ("status",))
    audit.record(session.sync_session, tenant_id=ticket.tenant_id, entity_type="Ticket",
                 entity_id=ticket.id, changes={"status": [before, target]})


async def update_ticket(
    session: AsyncSession, viewer: Viewer, *, ticket_id: int, status: TicketStatus | None = None,
    priority: TicketPriority | None = None, assignee_id: int | None | EllipsisType = ...,
) -> Ticket:
    """Change status, priority and/or assignee (`None` unassigns; `...` leaves it)."""
    require(viewer, "ticket.write")
    ticket, node = await ticket_in_scope(session, viewer, ticket_id)
    now = utcnow()
    changes: dict[str, object] = {}
    if assignee_id is not ... and assignee_id != ticket.assignee_id:
        if assignee_id is not None:
            await _assignee(session, viewer, assignee_id, node.path)
        ticket.assignee_id = assignee_id
        changes["assigneeId"] = assignee_id
    if priority is not None and priority != ticket.priority:
        ticket.priority = priority
        ticket.sla_due_at = ticket.created_at + timedelta(hours=await sla_hours(session, priority))
        changes["priority"] = priority
    if status is not None and status != ticket.status:
        await session.flush()
        await _change_status(session, ticket, status, now)
        changes["status"] = status
    if changes:
        ticket.updated_at = now
        await session.flush()
        outbox.emit(session, "TICKET_UPDATED", subject=ticket, node_id=node.id,
                    data={"number": ticket.number, **changes})
    return ticket


async def comment_ticket(session: AsyncSession, viewer: Viewer, *, ticket_id: int, body: str) -> Ticket:
    """Add a comment by the viewer."""
    require(viewer, "ticket.write")
    body = _text(body, "body", 10_000)
    ticket, node = await ticket_in_scope(session, viewer, ticket_id)
    now = utcnow()
    session.add(TicketComment(ticket_id=ticket.id, author_id=viewer.staff_id, body=body, created_at=now))
    ticket.updated_at = now
    await session.flush()
    outbox.emit(session, "TICKET_UPDATED", subject=ticket, node_id=node.id,
                data={"number": ticket.number, "comment": True})
    return ticket



def tickets_statement(
    viewer: Viewer, *, statuses: Sequence[TicketStatus] = (), assignee_id: int | None = None,
    breached: bool | None = None, now: datetime,
) -> Select[tuple[Ticket]]:
    """Tickets of customers in the viewer's subtree."""
    stmt = select(Ticket).where(Ticket.customer_id.in_(
        select(Customer.id).join(TierNode, TierNode.id == Customer.node_id)
        .where(in_subtree(TierNode.path, viewer.scope_path))
    ))
    if statuses:
        stmt = stmt.where(Ticket.status.in_(statuses))
    if assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == assignee_id)
    if breached is not None:
        stmt = stmt.where(breached_clause(now) if breached else not_(breached_clause(now)))
    return stmt


def customer_tickets_where(statuses: Sequence[TicketStatus]) -> list[ColumnElement[bool]]:
    """Customer.tickets' criteria beside the customer: these statuses (all if none)."""
    return [Ticket.status.in_(statuses)] if statuses else []


def open_ticket_count(scope: RollupScope) -> ScalarSelect[int]:
    """Rollup `openTicketCount`: unresolved tickets of the subtree's customers opened in [start, end)."""
    return (
        select(func.count(Ticket.id)).select_from(Ticket)
        .join(Customer, and_(Customer.tenant_id == Ticket.tenant_id, Customer.id == Ticket.customer_id))
        .join(TierNode, and_(TierNode.tenant_id == Customer.tenant_id, TierNode.id == Customer.node_id))
        .where(Ticket.tenant_id == scope.tenant_id, Ticket.status.in_(UNRESOLVED),
               in_subtree(TierNode.path, scope.path), Customer.merged_into_id.is_(None),
               *rollups.in_range(Ticket.created_at, scope))
        .scalar_subquery()
    )


rollups.register("open_ticket_count", open_ticket_count)
