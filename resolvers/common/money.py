"""Money: ISO 4217 codes, integer minor units per currency, exact Decimal arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

from resolvers.common.errors import invalid

# ISO codes that name no money: "no currency" and the testing code.
_NOT_MONEY = {"XXX", "XTS"}
Field = str | Sequence[str | int]


@cache
def _known() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if c not in _NOT_MONEY)


def currency_code(code: str, field: Field = "currency") -> str:
    """The normalised ISO 4217 code, or INVALID at `field`."""
    normal = code.strip().upper()
    if normal not in _known():
        raise invalid(f"unknown currency {code!r}", field)
    return normal


@cache  # a few hundred ISO codes at most; babel's lookup showed in the page profile (4 per order)
def precision(currency: str) -> int:
    """Digits after the decimal point: JPY 0, EUR 2, BHD 3."""
    return get_currency_precision(currency)


def to_minor(amount: Decimal, currency: str, field: Field) -> int:
    """An amount as integer minor units; more decimals than the currency has is INVALID."""
    try:
        scaled = Decimal(amount).scaleb(precision(currency))
        exact = scaled == scaled.to_integral_value()
    except InvalidOperation as exc:
        raise invalid("not a number", field) from exc
    if not amount.is_finite() or not exact:
        raise invalid(f"{currency} allows {precision(currency)} decimal places", field)
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units back to an amount with the currency's decimals (1234 EUR -> 12.34)."""
    return Decimal(minor).scaleb(-precision(currency))


def convert_minor(minor: int, currency: str, rate: Decimal, target: str) -> int:
    """Minor units of `currency` at `rate` as minor units of `target`, rounded half up."""
    amount = from_minor(minor, currency) * rate
    return int(amount.scaleb(precision(target)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
