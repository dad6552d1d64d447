"""Campaign and CampaignRecipient."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models import customers as cm
from db.models import marketing as m
from db.models import tree as tm
from resolvers.marketing import campaigns as service
from schema.customers.types import Customer
from schema.loading import by_id
from schema.marketing.types import Segment, fetch_segments
from schema.relay import Connection, Node, page_args, paginate, to_global_id
from schema.tree.types import TierNode

CampaignStatus = strawberry.enum(m.CampaignStatus, name="CampaignStatus")
CampaignGroup = strawberry.enum(m.Group, name="CampaignGroup")
DeliveryState = strawberry.enum(m.DeliveryState, name="CampaignDeliveryState")


@strawberry.type(name="CampaignRecipient", description="One customer of a launched campaign and what reached them.")
class CampaignRecipient:
    row: strawberry.Private[m.CampaignRecipient]
    group: CampaignGroup  # type: ignore[valid-type]
    coupon_state: DeliveryState  # type: ignore[valid-type]
    email_state: DeliveryState  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="Why a part was skipped or failed (the last word).")
    attempts: int
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: m.CampaignRecipient) -> CampaignRecipient:
        return cls(row=row, group=row.group, coupon_state=row.coupon_state, email_state=row.email_state,
                   reason=row.reason, attempts=row.attempts, sent_at=row.sent_at)

    @strawberry.field
    async def customer(self, info: Info) -> Customer | None:
        row = await by_id(info.context, cm.Customer).load(self.row.customer_id)
        return Customer.from_row(row) if row is not None else None

    @strawberry.field
    async def campaign(self, info: Info) -> Annotated[Campaign, strawberry.lazy("schema.marketing.campaign_types")]:
        return Campaign.from_row(await by_id(info.context, m.Campaign).load(self.row.campaign_id))


@strawberry.type(name="Campaign")
class Campaign(Node):
    row: strawberry.Private[m.Campaign]
    id: strawberry.ID
    name: str
    status: CampaignStatus  # type: ignore[valid-type]
    holdout_percent: int
    starts_at: datetime
    ends_at: datetime
    quiet_hours_start: int
    quiet_hours_end: int
    launched_at: datetime | None
    completed_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: m.Campaign) -> Campaign:
        return cls(row=row, id=to_global_id("Campaign", row.id), name=row.name, status=row.status,
                   holdout_percent=row.holdout_percent, starts_at=row.starts_at, ends_at=row.ends_at,
                   quiet_hours_start=row.quiet_start_hour, quiet_hours_end=row.quiet_end_hour,
                   launched_at=row.launched_at, completed_at=row.completed_at, created_at=row.created_at)

    @strawberry.field(description="The coupon template: amountOff (store currency) or percentOff, validDays.")
    def coupon(self) -> JSON | None:
        return self.row.coupon

    @strawberry.field(description="The email templates per locale and the default locale.")
    def email(self) -> JSON | None:
        return self.row.email

    @strawberry.field
    async def node(self, info: Info) -> TierNode:
        return TierNode.from_row(await by_id(info.context, tm.TierNode).load(self.row.node_id))

    @strawberry.field
    async def segment(self, info: Info) -> Segment | None:
        found = await fetch_segments(info, [self.row.segment_id])
        return found[0] if found and isinstance(found[0], Segment) else None

    @strawberry.field(description="The snapshotted audience, in id order (after launch).")
    async def recipients(
        self, info: Info, first: int | None = None, after: str | None = None,
    ) -> Connection[CampaignRecipient]:
        return await paginate(info.context, service.recipients_query(info.context.viewer, self.row.id), order=[(m.CampaignRecipient.id, False)],
                              args=page_args(first, after), convert=CampaignRecipient.from_row)


async def fetch_campaigns(info: Info, pks: list[int]) -> list[Any]:
    ctx = info.context
    from resolvers.common.permissions import can

    if not can(ctx.viewer, "campaign.read"):
        return [None] * len(pks)
    rows = await by_id(ctx, m.Campaign).load_many(pks)
    nodes = await by_id(ctx, tm.TierNode).load_many([r.node_id if r else 0 for r in rows])
    return [Campaign.from_row(r) if r is not None and n is not None and ctx.viewer.in_scope(n.path) else None
            for r, n in zip(rows, nodes, strict=True)]


async def customer_campaigns(info: Info, customer_id: int) -> list[CampaignRecipient]:
    """Customer.campaigns, batched over the request's customers (one statement)."""
    ctx = info.context
    from resolvers.common.permissions import can

    if not can(ctx.viewer, "campaign.read"):
        return []

    async def load(session: Any, ids: Any) -> list[list[CampaignRecipient]]:
        found = await service.recipients_received(session, ctx.viewer, list(ids))
        return [[CampaignRecipient.from_row(r) for r, _ in pairs] for pairs in found]

    return await ctx.loader("customer_campaigns", load).load(customer_id)
