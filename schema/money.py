"""Money { amount currency }: never a float."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import strawberry

from resolvers.common.money import from_minor


@strawberry.type(name="Money")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """From integer minor units of `currency`."""
        return cls(amount=from_minor(minor, currency), currency=currency)


@lru_cache(maxsize=4096)  # exchange rates repeat across a page's orders
def plain(value: Decimal) -> Decimal:
    """Without the trailing zeros PostgreSQL's NUMERIC(28, 10) pads with: 0.0061, never 0.0061000000."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
