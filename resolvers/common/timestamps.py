"""Timestamps that clients send (placedAt, occurredAt)."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.base import utcnow
from resolvers.common.errors import invalid

CLOCK_SKEW = timedelta(minutes=5)


def check_past(at: datetime | None, field: str) -> datetime | None:
    """A client's timestamp: with an offset, and not in the future (beyond clock skew)."""
    if at is None:
        return None
    if at.tzinfo is None:
        raise invalid(f"{field} needs a UTC offset", field)
    if at > utcnow() + CLOCK_SKEW:
        raise invalid(f"{field} must not be in the future", field)
    return at
