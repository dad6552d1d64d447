"""DateTime, Date and Decimal as strawberry defines them, but refusing values no use case could take.

A DateTime must carry its UTC offset wherever it is used (filters and periods as much as
mutation inputs), so a naive one is BAD_USER_INPUT naming its path; so is one whose instant
lies outside years 1-9999 in UTC (`9999-12-31T23:59:59-14:00`): Python, the drivers and every
comparison work in UTC, and that conversion overflowed (INTERNAL). A Date that does not parse
is BAD_USER_INPUT too. NaN and decimals too
precise for a column still parse: the use cases refuse them with a payload error naming their
field (the mutation-input contract); only an exponent past any column is refused here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import dateutil.parser
from graphql import GraphQLError
from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    DecimalDefinition,
    wrap_parser,
)

from schema.errors import bad_input

# Far past NUMERIC(28, 10), the widest column: the services' own range checks give field errors
# below this; above it, quantize and context arithmetic themselves would fail.
MAX_DIGITS = 100


def _aware(value: str) -> dt.datetime:
    at = dateutil.parser.isoparse(value)
    if at.tzinfo is None:
        raise ValueError("it needs a UTC offset (e.g. 2026-01-31T09:00:00Z)")
    try:
        at.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("it must lie within years 1-9999 in UTC") from None
    return at


def _decimal(value: str) -> decimal.Decimal:
    d = decimal.Decimal(value)
    if d.is_finite() and d and (abs(d.adjusted()) > MAX_DIGITS or len(d.as_tuple().digits) > MAX_DIGITS):
        raise ValueError(f"at most {MAX_DIGITS} digits")
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
    dt.date: dataclasses.replace(DateDefinition, parse_value=_typed(DateDefinition.parse_value)),
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition, parse_value=_typed(wrap_parser(
            _decimal, "Decimal", (ValueError, decimal.DecimalException), accept_non_string=True
        ))
    ),
}
