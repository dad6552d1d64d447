"""Coupons: unguessable codes, issuing to a member, the checks a redemption must pass."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import outbox
from db.base import utcnow
from db.models.membership import Coupon, CouponStatus, MembershipProgram
from db.models.tree import TierNode
from resolvers.common import money
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.membership import ledger
from resolvers.membership.programs import check_positive, member_in_scope

# No 0/O, 1/I/L, 5/S or 2/Z: codes are read aloud and typed from receipts.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
GROUPS, GROUP_LEN = 3, 4  # 27^12 ≈ 1.5e17 codes: guessing one is hopeless
_ATTEMPTS = 5
MAX_AMOUNT = Decimal(10) ** 9  # far above any coupon, far below a 64-bit count of minor units


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN))
    return "-".join(raw[i:i + GROUP_LEN] for i in range(0, len(raw), GROUP_LEN))


def normalise_code(code: str) -> str:
    """What a customer typed, in the stored form: upper case, grouped with dashes."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i:i + GROUP_LEN] for i in range(0, len(raw), GROUP_LEN))


def to_minor(amount: Decimal, currency: str, field: str, problems: Problems) -> int:
    """`amount` in minor units of `currency`, its problems collected with the others."""
    try:
        return money.to_minor(amount, currency, field)
    except DomainError as exc:
        problems.items.extend(exc.problems)
        return 0


def effective_status(coupon: Coupon, now: datetime | None = None) -> CouponStatus:
    """An issued coupon past its expiry is EXPIRED even before the nightly job marks it."""
    status = CouponStatus(coupon.status)
    if status is CouponStatus.ISSUED and coupon.expires_at is not None and coupon.expires_at <= (now or utcnow()):
        return CouponStatus.EXPIRED
    return status


async def issue_coupon(
    session: AsyncSession, viewer: Viewer, *, membership_id: int, amount_off: Decimal | None = None,
    percent_off: Decimal | None = None, expires_at: datetime | None = None,
    minimum_total: Decimal | None = None, node_id: int | None = None,
) -> Coupon:
    """A coupon for a member, in the program's currency; amount or percent off, not both."""
    require(viewer, "coupon.write")
    membership = await member_in_scope(session, viewer, membership_id)
    program = await session.get(MembershipProgram, (viewer.tenant_id, membership.program_id))
    assert program is not None
    currency = program.currency
    problems = Problems()
    values: dict[str, Any] = {}
    if (amount_off is None) == (percent_off is None):
        problems.add(ErrorCode.INVALID, "give amountOff or percentOff (one of them)", "amountOff")
    if amount_off is not None and check_positive(problems, amount_off, "amountOff", maximum=MAX_AMOUNT):
        values["amount_off_minor"] = to_minor(amount_off, currency, "amountOff", problems)
    if percent_off is not None:
        check_positive(problems, percent_off, "percentOff", maximum=Decimal(100), places=4)
    if expires_at is not None and expires_at <= utcnow():
        problems.add(ErrorCode.INVALID, "expiresAt must be in the future", "expiresAt")
    if minimum_total is not None and check_positive(
        problems, minimum_total, "minimumTotal", maximum=MAX_AMOUNT, allow_zero=True
    ):
        values["minimum_total_minor"] = to_minor(minimum_total, currency, "minimumTotal", problems)
    problems.raise_if_any()
    if node_id is not None:
        node = await session.get(TierNode, (viewer.tenant_id, node_id))
        if node is None or not viewer.in_scope(node.path):
            raise not_found("tier node", "nodeId")
    for attempt in range(_ATTEMPTS):
        coupon = Coupon(
            tenant_id=viewer.tenant_id, membership_id=membership.id, customer_id=membership.customer_id,
            code=new_code(), currency=currency, percent_off=percent_off, expires_at=expires_at,
            node_id=node_id, status=CouponStatus.ISSUED, **values,
        )
        try:
            async with session.begin_nested():
                session.add(coupon)
                await session.flush()
            break
        except IntegrityError:  # a code collision: astronomically rare, draw again
            if attempt == _ATTEMPTS - 1:
                raise
    outbox.emit(
        session, "COUPON_ISSUED", subject=coupon, node_id=await ledger.customer_node_id(session, membership),
        data={"membershipId": membership.id, "couponId": coupon.id, "amountOff": amount_off,
              "percentOff": percent_off, "currency": currency, "expiresAt": expires_at},
    )
    return coupon


def discount_minor(coupon: Coupon, subtotal_minor: int) -> int:
    """What the coupon takes off a subtotal (never more than the subtotal)."""
    if coupon.amount_off_minor is not None:
        return min(coupon.amount_off_minor, subtotal_minor)
    assert coupon.percent_off is not None
    off = (Decimal(subtotal_minor) * coupon.percent_off / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return min(int(off), subtotal_minor)


def check_redeemable(coupon: Coupon, *, customer_id: int, store_path: str, currency: str,
                     subtotal_minor: int, now: datetime, scope_path: str | None) -> None:
    """Every reason this coupon cannot pay for this order, as one DomainError (field couponCode)."""
    field = ("couponCode",)
    status = effective_status(coupon, now)
    if coupon.customer_id != customer_id:
        # Another customer's coupon is none of this order's business: answer as an unknown code.
        raise not_found("coupon", field)
    if status is CouponStatus.REDEEMED:
        raise DomainError(ErrorCode.CONFLICT, "this coupon has been redeemed already", field)
    if status is CouponStatus.EXPIRED:
        raise DomainError(ErrorCode.EXPIRED, "this coupon has expired", field)
    if status is CouponStatus.VOID:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "this coupon is void", field)
    if scope_path is not None and not store_path.startswith(scope_path):
        raise DomainError(ErrorCode.INVALID, "this coupon is not valid at this store", field)
    if coupon.currency != currency and (coupon.amount_off_minor or coupon.minimum_total_minor):
        raise DomainError(ErrorCode.INVALID, f"this coupon is in {coupon.currency}, the order in {currency}", field)
    if coupon.minimum_total_minor is not None and subtotal_minor < coupon.minimum_total_minor:
        raise DomainError(
            ErrorCode.INVALID,
            f"this coupon needs an order of at least {money.from_minor(coupon.minimum_total_minor, coupon.currency)} "
            f"{coupon.currency}", field,
        )
