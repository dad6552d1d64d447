"""Inputs and payloads of tickets and interactions."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.service.types import Interaction, InteractionKind, Ticket, TicketPriority, TicketStatus


@strawberry.input
class OpenTicketInput:
    customer_id: strawberry.ID
    subject: str
    description: str
    priority: TicketPriority = TicketPriority.NORMAL  # type: ignore[valid-type]


@strawberry.input
class UpdateTicketInput:
    id: strawberry.ID
    status: TicketStatus | None = None  # type: ignore[valid-type]
    priority: TicketPriority | None = None  # type: ignore[valid-type]
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null unassigns; leave it out to keep the assignee."
    )


@strawberry.input
class CommentTicketInput:
    id: strawberry.ID
    body: str


@strawberry.type
class TicketPayload:
    ticket: Ticket | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class LogInteractionInput:
    customer_id: strawberry.ID
    kind: InteractionKind  # type: ignore[valid-type]
    summary: str
    channel: str = "api"
    occurred_at: datetime | None = None


@strawberry.type
class InteractionPayload:
    interaction: Interaction | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
