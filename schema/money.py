"""Money { amount currency }: never a float."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from babel.numbers import get_currency_precision


@strawberry.type(name="Money")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """From integer minor units of `currency`."""
        return cls(amount=Decimal(minor).scaleb(-get_currency_precision(currency)), currency=currency)
