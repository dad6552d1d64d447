"""Forecast: open and probability-weighted amounts over a subtree and period, win rate, cycle time."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from db.models import tree as tm
from resolvers.common.errors import DomainError
from resolvers.pipeline import forecast as fc
from schema.core.types import Staff
from schema.errors import bad_input
from schema.loading import by_id
from schema.money import Money
from schema.pipeline.types import PipelineStage, load_staff, load_stage
from schema.relay import decode_id
from schema.tree.types import TierNode

SECONDS_PER_DAY = Decimal(86400)


@strawberry.interface(name="ForecastLine")
class ForecastLine:
    line: strawberry.Private[fc.Line]
    currency: strawberry.Private[str]

    @strawberry.field(description="Open opportunities in this group.")
    def count(self) -> int:
        return self.line.count

    @strawberry.field(description="Sum of their amounts, reporting currency.")
    def open_amount(self) -> Money:
        return Money.of(self.line.open_minor, self.currency)

    @strawberry.field(description="Sum of amount x stage probability, reporting currency.")
    def weighted_amount(self) -> Money:
        return Money.of(self.line.weighted_minor, self.currency)


@strawberry.type(name="ForecastStageLine")
class ForecastStageLine(ForecastLine):
    @strawberry.field
    async def stage(self, info: Info) -> PipelineStage:
        found = await load_stage(info, self.line.key)
        assert found is not None
        return found


@strawberry.type(name="ForecastNodeLine")
class ForecastNodeLine(ForecastLine):
    @strawberry.field(description="A child of the forecast's node, or the node itself.")
    async def node(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.line.key))


@strawberry.type(name="ForecastOwnerLine")
class ForecastOwnerLine(ForecastLine):
    @strawberry.field
    async def owner(self, info: Info) -> Staff:
        found = await load_staff(info, self.line.key)
        assert found is not None
        return found


@strawberry.type(name="Forecast")
class Forecast(ForecastLine):
    result: strawberry.Private[fc.Forecast]
    from_: date | None = strawberry.field(name="from")
    to: date | None

    @classmethod
    def of(cls, result: fc.Forecast) -> Forecast:
        return cls(line=result.total, currency=result.currency, result=result,
                   from_=result.start, to=result.end)

    @strawberry.field
    async def node(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.result.node_id))

    @strawberry.field
    def by_stage(self) -> list[ForecastStageLine]:
        return [ForecastStageLine(line=x, currency=self.currency) for x in self.result.by_stage]

    @strawberry.field(description="Per child node; opportunities on the node itself count as its own line.")
    def by_node(self) -> list[ForecastNodeLine]:
        return [ForecastNodeLine(line=x, currency=self.currency) for x in self.result.by_node]

    @strawberry.field
    def by_owner(self) -> list[ForecastOwnerLine]:
        return [ForecastOwnerLine(line=x, currency=self.currency) for x in self.result.by_owner]

    @strawberry.field(description="Opportunities won in the period.")
    def won_count(self) -> int:
        return self.result.won_count

    @strawberry.field(description="Opportunities lost in the period.")
    def lost_count(self) -> int:
        return self.result.lost_count

    @strawberry.field
    def won_amount(self) -> Money:
        return Money.of(self.result.won_minor, self.currency)

    @strawberry.field(description="Won / (won + lost) in the period; null when none closed.")
    def win_rate(self) -> Decimal | None:
        return self.result.win_rate

    @strawberry.field(description="Mean days from creation to won/lost, of those closed in the period.")
    def average_cycle_days(self) -> Decimal | None:
        seconds = self.result.average_cycle_seconds
        if seconds is None:
            return None
        return (seconds / SECONDS_PER_DAY).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@strawberry.type
class ForecastReports:
    """Reports.forecast (the sales pipeline)."""

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
