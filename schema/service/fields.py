"""Root fields of tickets and interactions, and Customer.tickets / interactions."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.base import utcnow
from db.models import service as m
from db.session import DbSession
from resolvers.common.permissions import can
from resolvers.common.viewer import Viewer
from resolvers.service import interactions, tickets
from schema.errors import forbidden
from schema.mutation import run_mutation
from schema.relay import (
    Connection,
    PageArgs,
    decode_id,
    nested_pages,
    page_args,
    paginate,
    register_node,
)
from schema.service.inputs import (
    CommentTicketInput,
    InteractionPayload,
    LogInteractionInput,
    OpenTicketInput,
    TicketPayload,
    UpdateTicketInput,
)
from schema.service.types import (
    Interaction,
    Ticket,
    TicketStatus,
    fetch_interactions,
    fetch_tickets,
)

register_node(Ticket, fetch_tickets)
register_node(Interaction, fetch_interactions)

TICKET_ORDER = ((m.Ticket.created_at, True), (m.Ticket.id, True))
INTERACTION_ORDER = ((m.Interaction.occurred_at, True), (m.Interaction.id, True))


def _require(info: Info, action: str) -> None:
    if not can(info.context.viewer, action):
        raise forbidden(f"this role may not {action}")


def _statuses(status: list[TicketStatus] | None) -> list[m.TicketStatus]:  # type: ignore[valid-type]
    # Unique: 40,000 repeats were 40,000 bound parameters (PostgreSQL's limit is 32,767: INTERNAL).
    return list(dict.fromkeys(m.TicketStatus(s.value) for s in status or []))


async def customer_tickets(
    info: Info, customer_id: int, args: PageArgs,
    status: list[TicketStatus] | None,  # type: ignore[valid-type]
) -> Connection[Ticket]:
    """Customer.tickets, newest first; one statement for a whole list of customers."""
    _require(info, "ticket.read")
    statuses = _statuses(status)
    load = nested_pages(
        info.context, f"customer_tickets:{','.join(sorted(statuses))}", m.Ticket, m.Ticket.customer_id,
        TICKET_ORDER, where=lambda: tickets.customer_tickets_where(statuses),
    )
    return await load(customer_id, args, Ticket.from_row)


async def customer_interactions(info: Info, customer_id: int, args: PageArgs) -> Connection[Interaction]:
    """Customer.interactions, newest first; one statement for a whole list of customers."""
    _require(info, "interaction.read")
    load = nested_pages(info.context, "customer_interactions", m.Interaction, m.Interaction.customer_id,
                        INTERACTION_ORDER)
    return await load(customer_id, args, Interaction.from_row)


@strawberry.type
class Query:
    @strawberry.field(description="Tickets of customers in the caller's subtree, newest first. "
                                  "breached: true lists those whose slaBreached is true.")
    async def tickets(
        self, info: Info, first: int | None = None, after: str | None = None,
        status: list[TicketStatus] | None = None,  # type: ignore[valid-type]
        assignee_id: strawberry.ID | None = None, breached: bool | None = None,
    ) -> Connection[Ticket]:
        _require(info, "ticket.read")
        args = page_args(first, after)
        assignee = (decode_id(assignee_id, "Staff") or 0) if assignee_id is not None else None
        stmt = tickets.tickets_statement(
            info.context.viewer, statuses=_statuses(status), assignee_id=assignee, breached=breached,
            now=utcnow(),
        )
        return await paginate(info.context, stmt, order=TICKET_ORDER, args=args, convert=Ticket.from_row)


async def _ticket_payload(info: Info, operation: str, service: Any) -> TicketPayload:
    row, errors = await run_mutation(info, operation, service)
    return TicketPayload(ticket=Ticket.from_row(row) if row else None, errors=errors)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new OPEN ticket with slaDueAt from its priority.")
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> TicketPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tickets.open_ticket(
                session, viewer, customer_id=decode_id(input.customer_id, "Customer") or 0,
                subject=input.subject, description=input.description,
                priority=m.TicketPriority(input.priority.value),
            )

        return await _ticket_payload(info, "openTicket", service)

    @strawberry.mutation(description="Change status, priority and/or assignee.")
    async def update_ticket(self, info: Info, input: UpdateTicketInput) -> TicketPayload:
        assignee: Any = ...
        if input.assignee_id is not strawberry.UNSET:
            assignee = None if input.assignee_id is None else decode_id(input.assignee_id, "Staff") or 0

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tickets.update_ticket(
                session, viewer, ticket_id=decode_id(input.id, "Ticket") or 0,
                status=m.TicketStatus(input.status.value) if input.status else None,
                priority=m.TicketPriority(input.priority.value) if input.priority else None,
                assignee_id=assignee,
            )

        return await _ticket_payload(info, "updateTicket", service)

    @strawberry.mutation
    async def comment_ticket(self, info: Info, input: CommentTicketInput) -> TicketPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await tickets.comment_ticket(
                session, viewer, ticket_id=decode_id(input.id, "Ticket") or 0, body=input.body
            )

        return await _ticket_payload(info, "commentTicket", service)

    @strawberry.mutation(description="Record a call, visit, message, email or note.")
    async def log_interaction(self, info: Info, input: LogInteractionInput) -> InteractionPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await interactions.log_interaction(
                session, viewer, customer_id=decode_id(input.customer_id, "Customer") or 0,
                kind=m.InteractionKind(input.kind.value), summary=input.summary, channel=input.channel,
                occurred_at=input.occurred_at,
            )

        row, errors = await run_mutation(info, "logInteraction", service)
        return InteractionPayload(interaction=Interaction.from_row(row) if row else None, errors=errors)
