"""Campaign inputs and root fields (merged into schema/marketing/fields.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from db.models import marketing as m
from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from resolvers.marketing import campaigns as service
from schema.errors import UserError, forbidden, unauthenticated
from schema.marketing.campaign_types import Campaign, CampaignStatus, fetch_campaigns
from schema.mutation import run_mutation
from schema.relay import Connection, decode_id, page_args, paginate, register_node

register_node(Campaign, fetch_campaigns)
CAMPAIGN_ORDER = [(m.Campaign.created_at, True), (m.Campaign.id, True)]


@strawberry.input(description="A coupon per treatment member: amountOff (in the member's store currency) or percentOff.")
class CouponTemplateInput:
    amount_off: Decimal | None = None
    percent_off: Decimal | None = None
    minimum_total: Decimal | None = None
    valid_days: int = strawberry.field(default=30, description="Expiry, counted from issue.")


@strawberry.input(description="Jinja2 (sandboxed, HTML escaped); see docs/marketing.md for the variables.")
class EmailTemplateInput:
    locale: str
    subject: str
    body: str


@strawberry.input
class EmailActionInput:
    templates: list[EmailTemplateInput]
    default_locale: str | None = strawberry.field(default=None, description="Default: the first template's.")


@strawberry.input(description="What treatment customers get: a coupon, an email, or both.")
class CampaignActionInput:
    coupon: CouponTemplateInput | None = None
    email: EmailActionInput | None = None


@strawberry.input
class CreateCampaignInput:
    name: str
    segment_id: strawberry.ID
    action: CampaignActionInput
    holdout_percent: int = strawberry.field(default=10, description="0..90: the share that gets nothing.")
    starts_at: datetime
    ends_at: datetime
    quiet_hours_start: int = strawberry.field(default=21, description="Local hour (store's time zone).")
    quiet_hours_end: int = strawberry.field(default=8, description="Equal to start: no quiet hours.")


@strawberry.input
class LaunchCampaignInput:
    id: strawberry.ID


@strawberry.input
class CancelCampaignInput:
    id: strawberry.ID


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _pk(gid: str | None, type_name: str) -> int:
    return (decode_id(gid, type_name) or 0) if gid is not None else 0


def _coupon(c: CouponTemplateInput | None) -> dict[str, Any] | None:
    return None if c is None else {"amount_off": c.amount_off, "percent_off": c.percent_off,
                                   "minimum_total": c.minimum_total, "valid_days": c.valid_days}


def _email(e: EmailActionInput | None) -> dict[str, Any] | None:
    return None if e is None else {"default_locale": e.default_locale, "templates": [
        {"locale": t.locale, "subject": t.subject, "body": t.body} for t in e.templates]}


@strawberry.type
class Query:
    @strawberry.field(description="Campaigns whose node lies in your scope, newest first.")
    async def campaigns(
        self, info: Info, first: int | None = None, after: str | None = None,
        status: list[CampaignStatus] | None = None,  # type: ignore[valid-type]
        running: Annotated[bool, strawberry.argument(description="Launched, and now within startsAt..endsAt.")] = False,
    ) -> Connection[Campaign]:
        ctx = info.context
        if ctx.viewer is None:
            raise unauthenticated()
        args = page_args(first, after)
        try:
            stmt = service.campaigns_query(ctx.viewer, statuses=tuple(m.CampaignStatus(s.value) for s in status or ()),
                                           running=running)
        except DomainError as exc:
            raise forbidden(str(exc)) from exc
        return await paginate(ctx, stmt, order=CAMPAIGN_ORDER, args=args, convert=Campaign.from_row)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A DRAFT campaign over a segment; launchCampaign starts it.")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.create_campaign(
                session, viewer, name=input.name, segment_id=_pk(input.segment_id, "Segment"),
                coupon=_coupon(input.action.coupon), email=_email(input.action.email),
                holdout_percent=input.holdout_percent, starts_at=input.starts_at, ends_at=input.ends_at,
                quiet_hours=(input.quiet_hours_start, input.quiet_hours_end),
            )

        row, errors = await run_mutation(info, "createCampaign", run)
        return CampaignPayload(campaign=Campaign.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Snapshot the audience, split treatment/holdout; the workers then issue and send.")
    async def launch_campaign(self, info: Info, input: LaunchCampaignInput) -> CampaignPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.launch_campaign(session, viewer, campaign_id=_pk(input.id, "Campaign"))

        row, errors = await run_mutation(info, "launchCampaign", run)
        return CampaignPayload(campaign=Campaign.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="Stop a DRAFT or LAUNCHED campaign: recipients not yet done are skipped; "
                                     "what was issued or sent stays and its results still count.")
    async def cancel_campaign(self, info: Info, input: CancelCampaignInput) -> CampaignPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.cancel_campaign(session, viewer, campaign_id=_pk(input.id, "Campaign"))

        row, errors = await run_mutation(info, "cancelCampaign", run)
        return CampaignPayload(campaign=Campaign.from_row(row) if row else None, errors=errors)
