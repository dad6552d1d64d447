"""Root fields of membership: programs, enrolment, points, coupons."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.common.viewer import Viewer
from resolvers.membership import coupons
from resolvers.membership import programs as membership
from schema.membership.inputs import (
    AdjustPointsInput,
    CouponPayload,
    CreateMembershipProgramInput,
    EnrollMemberInput,
    IssueCouponInput,
    MembershipPayload,
    MembershipProgramPayload,
    RedeemPointsInput,
)
from schema.membership.types import (
    Coupon,
    Membership,
    MembershipProgram,
    MembershipTier,
    PointsEntry,
    fetch_coupons,
    fetch_memberships,
    fetch_points_entries,
    fetch_programs,
    fetch_tiers,
)
from schema.mutation import run_mutation
from schema.relay import decode_id, register_node

register_node(MembershipProgram, fetch_programs)
register_node(MembershipTier, fetch_tiers)
register_node(Membership, fetch_memberships)
register_node(PointsEntry, fetch_points_entries)
register_node(Coupon, fetch_coupons)


def _id(gid: strawberry.ID | None, type_name: str) -> int:
    """The pk of a global id; 0 (never a row, so NOT_FOUND) when malformed or of another type."""
    return decode_id(gid, type_name) or 0


def _points_payload(result: membership.PointsResult | None, errors: list[Any]) -> MembershipPayload:
    if result is None:
        return MembershipPayload(errors=errors)
    return MembershipPayload(membership=Membership.from_row(result.membership),
                             points_entry=PointsEntry.from_row(result.entry))


@strawberry.type
class Query:
    @strawberry.field(description="The tenant's membership programs, oldest first.")
    async def membership_programs(self, info: Info) -> list[MembershipProgram]:
        async with info.context.read() as session:
            rows = await membership.list_programs(session)
        return [MembershipProgram.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_membership_program(
        self, info: Info, input: CreateMembershipProgramInput,
    ) -> MembershipProgramPayload:
        tiers = [{"name": t.name, "rank": t.rank, "threshold": t.threshold, "benefits": t.benefits}
                 for t in input.tiers]

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await membership.create_program(
                session, viewer, name=input.name, currency=input.currency,
                points_per_unit=input.points_per_unit, points_expiry_days=input.points_expiry_days,
                tiers=tiers,
            )

        row, errors = await run_mutation(info, "createMembershipProgram", service)
        return MembershipProgramPayload(
            membership_program=MembershipProgram.from_row(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="Enrol a customer; a second enrolment in one program is a CONFLICT.")
    async def enroll_member(self, info: Info, input: EnrollMemberInput) -> MembershipPayload:
        program_id = _id(input.program_id, "MembershipProgram") if input.program_id else None

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await membership.enroll_member(
                session, viewer, customer_id=_id(input.customer_id, "Customer"), program_id=program_id
            )

        row, errors = await run_mutation(info, "enrollMember", service)
        return MembershipPayload(membership=Membership.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="A manual correction (manager or admin); a reason is required.")
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> MembershipPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await membership.adjust_points(
                session, viewer, membership_id=_id(input.membership_id, "Membership"),
                delta=input.delta, reason=input.reason, idempotency_key=input.idempotency_key,
            )

        return _points_payload(*await run_mutation(info, "adjustPoints", service))

    @strawberry.mutation(description="Spend points; INSUFFICIENT_POINTS when the balance does not cover them.")
    async def redeem_points(self, info: Info, input: RedeemPointsInput) -> MembershipPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await membership.redeem_points(
                session, viewer, membership_id=_id(input.membership_id, "Membership"),
                points=input.points, note=input.note, idempotency_key=input.idempotency_key,
            )

        return _points_payload(*await run_mutation(info, "redeemPoints", service))

    @strawberry.mutation(description="A one-time coupon for a member, in the program's currency.")
    async def issue_coupon(self, info: Info, input: IssueCouponInput) -> CouponPayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await coupons.issue_coupon(
                session, viewer, membership_id=_id(input.membership_id, "Membership"),
                amount_off=input.amount_off, percent_off=input.percent_off,
                expires_at=input.expires_at, minimum_total=input.minimum_total,
                node_id=_id(input.node_id, "TierNode") if input.node_id else None,
            )

        row, errors = await run_mutation(info, "issueCoupon", service)
        return CouponPayload(coupon=Coupon.from_row(row) if row else None, errors=errors)
