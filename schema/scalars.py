"""DateTime and Decimal as strawberry defines them, but refusing what the database cannot store:
a DateTime must carry its UTC offset; a Decimal must be finite and fit the widest money column."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import dateutil.parser
from graphql import GraphQLError
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition, wrap_parser

from schema.errors import bad_input

# ExactDecimal is NUMERIC(28, 10) on PostgreSQL: 18 integer and 10 fractional digits.
MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 10


def _aware(value: str) -> dt.datetime:
    at = dateutil.parser.isoparse(value)
    if at.tzinfo is None:
        raise ValueError("it needs a UTC offset (e.g. 2026-01-31T09:00:00Z)")
    return at


def _decimal(value: str) -> decimal.Decimal:
    d = decimal.Decimal(value)
    if not d.is_finite():
        raise ValueError("it must be a finite number")
    exponent = d.normalize().as_tuple().exponent
    if d and (d.adjusted() >= MAX_INTEGER_DIGITS or int(exponent) < -MAX_FRACTION_DIGITS):
        raise ValueError(f"at most {MAX_INTEGER_DIGITS} digits before the point and {MAX_FRACTION_DIGITS} after")
    return d


def _typed(parse: Any) -> Any:
    """strawberry's coercion error, carrying BAD_USER_INPUT: graphql-core rewraps a variable's
    error and keeps only its original error's extensions, so the code rides on that."""

    def inner(value: object) -> object:
        try:
            return parse(value)
        except GraphQLError as exc:
            exc.original_error = bad_input(exc.message)
            exc.extensions = exc.original_error.extensions
            raise

    return inner


SCALAR_OVERRIDES: dict[object, Any] = {
    dt.datetime: dataclasses.replace(DateTimeDefinition, parse_value=_typed(wrap_parser(_aware, "DateTime"))),
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition, parse_value=_typed(wrap_parser(
            _decimal, "Decimal", (ValueError, decimal.DecimalException), accept_non_string=True
        ))
    ),
}
