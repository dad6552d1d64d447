"""setConsent."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.common.viewer import Viewer
from resolvers.consent import consents as service
from schema.consent.types import Consent, ConsentChannel, ConsentPurpose
from schema.customers.types import Customer
from schema.errors import UserError
from schema.loading import by_id
from schema.mutation import run_mutation
from schema.relay import decode_id


@strawberry.input
class SetConsentInput:
    customer_id: strawberry.ID
    channel: ConsentChannel  # type: ignore[valid-type]
    purpose: ConsentPurpose  # type: ignore[valid-type]
    granted: bool
    source: str | None = strawberry.field(default=None, description='Where it was given, e.g. "store", "web form"; default "api".')


@strawberry.type
class SetConsentPayload:
    consent: Consent | None = None
    customer: Customer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record a customer's consent (or its withdrawal) for a channel and purpose.")
    async def set_consent(self, info: Info, input: SetConsentInput) -> SetConsentPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.set_consent(
                session, viewer, customer_id=decode_id(input.customer_id, "Customer"),
                channel=input.channel, purpose=input.purpose, granted=input.granted, source=input.source,
            )

        row, errors = await run_mutation(info, "setConsent", run)
        if row is None:
            return SetConsentPayload(errors=errors)
        from db.models.customers import Customer as CustomerRow

        customer = await by_id(info.context, CustomerRow).load(row.customer_id)
        state = service.ConsentState(row.channel, row.purpose, row.granted, row.source, row.at, row.by_staff_id)
        return SetConsentPayload(consent=Consent.of(state), customer=Customer.from_row(customer))
