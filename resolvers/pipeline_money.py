"""Stand-in for the orders branch's money helpers until it merges (same names, same behaviour).

At merge: delete this module (schema.money.Money is already shared) and import currency_code/to_minor/from_minor/convert_minor
from resolvers.money, reporting_rate from resolvers.rates and insert_for from db.upsert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError, ErrorCode, invalid

Field = str | Sequence[str | int]


@cache
def _known() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if c not in {"XXX", "XTS"})


def currency_code(code: str, field: Field = "currency") -> str:
    """The normalised ISO 4217 code, or INVALID at `field`."""
    normal = code.strip().upper()
    if normal not in _known():
        raise invalid(f"unknown currency {code!r}", field)
    return normal


def to_minor(amount: Decimal, currency: str, field: Field) -> int:
    """An amount as integer minor units; more decimals than the currency has is INVALID."""
    try:
        scaled = Decimal(amount).scaleb(get_currency_precision(currency))
        exact = scaled == scaled.to_integral_value()
    except InvalidOperation as exc:
        raise invalid("not a number", field) from exc
    if not amount.is_finite() or not exact:
        raise invalid(f"{currency} allows {get_currency_precision(currency)} decimal places", field)
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units back to an amount with the currency's decimals (1234 EUR -> 12.34)."""
    return Decimal(minor).scaleb(-get_currency_precision(currency))


def convert_minor(minor: int, currency: str, rate: Decimal, target: str) -> int:
    """Minor units of `currency` at `rate` as minor units of `target`, rounded half up."""
    amount = from_minor(minor, currency) * rate
    scaled = amount.scaleb(get_currency_precision(target))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def reporting_rate(
    session: AsyncSession, *, currency: str, reporting: str, day: date, field: str = "currency",
) -> Decimal:
    """1 for the reporting currency; no rates exist before the orders branch lands."""
    if currency == reporting:
        return Decimal(1)
    raise DomainError(
        ErrorCode.INVALID, f"no exchange rate {currency}->{reporting} on or before {day}", (field,)
    )


def insert_for(session: AsyncSession, model: Any) -> Any:
    """The dialect's `insert(model)`, which has `on_conflict_do_nothing`."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
