"""Money: an exact amount with its ISO 4217 currency (never a float)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from babel.numbers import get_currency_precision


@strawberry.type(name="Money")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_minor(cls, amount_minor: int, currency: str) -> Money:
        return cls(amount=Decimal(amount_minor).scaleb(-get_currency_precision(currency)), currency=currency)
