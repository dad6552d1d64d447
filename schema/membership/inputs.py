"""Inputs and payloads of the membership mutations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from schema.errors import UserError
from schema.membership.types import Coupon, Membership, MembershipProgram, PointsEntry


@strawberry.input
class TierInput:
    name: str
    rank: int
    threshold: int
    benefits: JSON | None = None


@strawberry.input
class CreateMembershipProgramInput:
    name: str
    currency: str
    points_per_unit: Decimal
    tiers: list[TierInput]
    points_expiry_days: int | None = None


@strawberry.input
class EnrollMemberInput:
    customer_id: strawberry.ID
    program_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the program in force at the customer's node."
    )


@strawberry.input
class AdjustPointsInput:
    membership_id: strawberry.ID
    delta: int
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class RedeemPointsInput:
    membership_id: strawberry.ID
    points: int
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class IssueCouponInput:
    membership_id: strawberry.ID
    amount_off: Decimal | None = None
    percent_off: Decimal | None = None
    expires_at: datetime | None = None
    minimum_total: Decimal | None = None
    node_id: strawberry.ID | None = None


@strawberry.type
class MembershipProgramPayload:
    membership_program: MembershipProgram | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MembershipPayload:
    membership: Membership | None = None
    points_entry: PointsEntry | None = strawberry.field(
        default=None, description="The ledger row written (on a replay: the one written first)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CouponPayload:
    coupon: Coupon | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
