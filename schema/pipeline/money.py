"""Stand-in for the orders branch's schema/money.py until it merges (delete it then)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from resolvers.pipeline_money import from_minor


@strawberry.type(name="Money")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """From integer minor units of `currency`."""
        return cls(amount=from_minor(minor, currency), currency=currency)
