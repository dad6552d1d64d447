"""What orders ask of membership: earn on payment, reverse on refund, redeem coupons.

The orders service calls these; the membership domain implements them (it owns
this module). Until then they earn nothing and know no coupon.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, ErrorCode
from resolvers.viewer import Viewer


async def earn_for_order(session: AsyncSession, viewer: Viewer, order: Any) -> int:
    """Credit the points a paid order earns; return them (0 when not a member)."""
    return 0


async def reverse_for_order(session: AsyncSession, viewer: Viewer, order: Any) -> int:
    """Take back exactly what `order` earned (on refund); return the points reversed."""
    return 0


async def redeem_coupon(
    session: AsyncSession, viewer: Viewer, *, code: str, order: Any, subtotal_minor: int,
) -> int:
    """Redeem coupon `code` for `order` (at most once, ever); return the discount in minor units.

    Raises DomainError (field couponCode) when the coupon is unknown, used, void,
    expired, of another customer, outside its node scope or below its minimum.
    """
    raise DomainError(ErrorCode.NOT_FOUND, "unknown coupon", ("couponCode",))
