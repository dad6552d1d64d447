"""Reports: read-only aggregates over the caller's subtree (each domain adds its field)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import forecast as fc
from resolvers.errors import DomainError
from schema.errors import bad_input
from schema.pipeline.forecast import Forecast
from schema.relay import decode_id


@strawberry.type(name="Reports")
class Reports:
    @strawberry.field(description=(
        "Open and weighted pipeline by stage, child node and owner; win rate and cycle time. "
        "Period bounds are inclusive days: the expected close date of open opportunities, "
        "the close day of won and lost ones."
    ))
    async def forecast(
        self, info: Info, node_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Forecast:
        ctx = info.context
        pk = None if node_id is None else (decode_id(node_id, "TierNode") or 0)
        if from_ is not None and to is not None and from_ > to:
            raise bad_input("from must not be after to")
        try:
            async with ctx.read() as session:
                result = await fc.forecast(session, ctx.viewer, node_id=pk, start=from_, end=to)
        except DomainError as exc:
            raise bad_input(str(exc)) from exc
        return Forecast.of(result)
