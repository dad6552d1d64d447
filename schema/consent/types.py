"""Consent: the current state of one channel and purpose for a customer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import consent as m
from db.session import DbSession
from resolvers.consent import consents as service
from schema.core.types import Staff
from schema.loading import by_id

ConsentChannel = strawberry.enum(m.ConsentChannel, name="ConsentChannel")
ConsentPurpose = strawberry.enum(m.ConsentPurpose, name="ConsentPurpose",
                                 description="MARKETING: offers and campaigns; SERVICE: about the customer's own business.")


@strawberry.type(name="Consent", description="Latest statement for a channel and purpose; not granted when none.")
class Consent:
    channel: ConsentChannel  # type: ignore[valid-type]
    purpose: ConsentPurpose  # type: ignore[valid-type]
    granted: bool
    source: str | None = strawberry.field(description="Where the statement came from; null: never recorded.")
    at: datetime | None
    by_staff_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, state: Any) -> Consent:
        return cls(channel=state.channel, purpose=state.purpose, granted=state.granted, source=state.source,
                   at=state.at, by_staff_id=state.by_staff_id)

    @strawberry.field(description="The staff member who recorded it.")
    async def by(self, info: Info) -> Staff | None:
        if self.by_staff_id is None:
            return None
        from db.models.core import Staff as StaffRow

        row = await by_id(info.context, StaffRow).load(self.by_staff_id)
        return Staff.from_row(row) if row is not None else None


async def customer_consents(info: Info, customer_id: int) -> list[Consent]:
    """Customer.consents, batched over every customer of the request (one statement)."""

    async def load(session: DbSession, ids: Any) -> list[list[Consent]]:
        return [[Consent.of(s) for s in states] for states in await service.current_consents(session, list(ids))]

    return await info.context.loader("customer_consents", load).load(customer_id)
