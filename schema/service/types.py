"""Ticket, TicketComment and Interaction."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from db.base import utcnow
from db.models import core as corem
from db.models import customers as cm
from db.models import service as m
from db.models import tree as tm
from resolvers.service.tickets import is_breached
from schema.core.types import Staff
from schema.customers.types import Customer
from schema.loading import by_id, many_by
from schema.relay import Node, to_global_id


def _enum(model: type[Enum], name: str) -> Any:
    return strawberry.enum(Enum(name, {v.value: v.value for v in model}), name=name)  # type: ignore[misc]


TicketStatus = _enum(m.TicketStatus, "TicketStatus")
TicketPriority = _enum(m.TicketPriority, "TicketPriority")
InteractionKind = _enum(m.InteractionKind, "InteractionKind")


async def _staff(info: Info, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    row = await by_id(info.context, corem.Staff).load(staff_id)
    return Staff.from_row(row) if row is not None else None


async def _customer(info: Info, customer_id: int) -> Customer:
    return Customer.from_row(await by_id(info.context, cm.Customer).load(customer_id))


@strawberry.type(name="TicketComment")
class TicketComment:
    row: strawberry.Private[m.TicketComment]
    body: str
    created_at: datetime

    @strawberry.field
    async def author(self, info: Info) -> Staff | None:
        return await _staff(info, self.row.author_id)


@strawberry.type(name="Ticket")
class Ticket(Node):
    row: strawberry.Private[m.Ticket]
    id: strawberry.ID
    number: str
    subject: str
    description: str
    status: TicketStatus  # type: ignore[valid-type]
    priority: TicketPriority  # type: ignore[valid-type]
    sla_due_at: datetime
    sla_breached: bool = strawberry.field(description="Unresolved past slaDueAt, or resolved after it.")
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: m.Ticket) -> Ticket:
        return cls(
            row=row, id=to_global_id("Ticket", row.id), number=row.number, subject=row.subject,
            description=row.description, status=TicketStatus[row.status.value],
            priority=TicketPriority[row.priority.value], sla_due_at=row.sla_due_at,
            sla_breached=is_breached(row, utcnow()), resolved_at=row.resolved_at,
            created_at=row.created_at, updated_at=row.updated_at,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await _customer(info, self.row.customer_id)

    @strawberry.field
    async def assignee(self, info: Info) -> Staff | None:
        return await _staff(info, self.row.assignee_id)

    @strawberry.field(description="Oldest first.")
    async def comments(self, info: Info) -> list[TicketComment]:
        loader = many_by(info.context, m.TicketComment, m.TicketComment.ticket_id,
                         order_by=[m.TicketComment.created_at, m.TicketComment.id])
        return [TicketComment(row=r, body=r.body, created_at=r.created_at)
                for r in await loader.load(self.row.id)]


@strawberry.type(name="Interaction")
class Interaction(Node):
    row: strawberry.Private[m.Interaction]
    id: strawberry.ID
    kind: InteractionKind  # type: ignore[valid-type]
    channel: str
    summary: str
    occurred_at: datetime

    @classmethod
    def from_row(cls, row: m.Interaction) -> Interaction:
        return cls(
            row=row, id=to_global_id("Interaction", row.id), kind=InteractionKind[row.kind.value],
            channel=row.channel, summary=row.summary, occurred_at=row.occurred_at,
        )

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await _customer(info, self.row.customer_id)

    @strawberry.field
    async def staff(self, info: Info) -> Staff:
        staff = await _staff(info, self.row.staff_id)
        assert staff is not None
        return staff


async def _by_customer_scope(info: Info, model: Any, pks: list[int], convert: Any) -> list[Any]:
    ctx = info.context
    rows = await by_id(ctx, model).load_many(pks)
    customers = await by_id(ctx, cm.Customer).load_many([r.customer_id if r else 0 for r in rows])
    nodes = await by_id(ctx, tm.TierNode).load_many([c.node_id if c else 0 for c in customers])
    return [
        convert(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
        for r, n in zip(rows, nodes, strict=True)
    ]


async def fetch_tickets(info: Info, pks: list[int]) -> list[Any]:
    """Tickets by id, None where their customer lies outside the viewer's subtree."""
    return await _by_customer_scope(info, m.Ticket, pks, Ticket.from_row)


async def fetch_interactions(info: Info, pks: list[int]) -> list[Any]:
    """Interactions by id, None where their customer lies outside the viewer's subtree."""
    return await _by_customer_scope(info, m.Interaction, pks, Interaction.from_row)
