"""Consent columns of customer imports and exports: `consentEmailMarketing`, `consentSmsService`...

One column per channel x purpose; a value of true/false (yes/no, 1/0 in CSV) is a statement
recorded with source "import" when it differs from the customer's current state (or none was
recorded); an empty value states nothing.
"""

from __future__ import annotations

from typing import Any

from db.models.consent import ConsentChannel, ConsentPurpose
from resolvers.common.errors import ErrorCode, Problems
from resolvers.consent.consents import KEYS, Key


def column_name(channel: ConsentChannel, purpose: ConsentPurpose) -> str:
    return f"consent{channel.value.title()}{purpose.value.title()}"


CONSENT_COLUMNS: dict[str, Key] = {column_name(c, p): (c, p) for c, p in KEYS}
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


def consent_values(values: dict[str, Any]) -> dict[Key, bool]:
    """The statements of a file row's consent columns; a bad value is an INVALID problem on its column."""
    out: dict[Key, bool] = {}
    problems = Problems()
    for column in [c for c in values if c in CONSENT_COLUMNS]:
        value = values[column]
        if isinstance(value, str):
            value = value.strip().lower()
            value = True if value in _TRUE else False if value in _FALSE else None if value == "" else value
        if value is None:
            continue
        if not isinstance(value, bool):
            problems.add(ErrorCode.INVALID, "consent is true or false", column)
            continue
        out[CONSENT_COLUMNS[column]] = value
    problems.raise_if_any()
    return out


def export_values(states: list[Any]) -> dict[str, bool | None]:
    """A customer's current consents as export columns; None (empty) where never recorded, so an
    export imports back without adding statements."""
    return {column_name(s.channel, s.purpose): s.granted if s.at is not None else None for s in states}


__all__ = ["CONSENT_COLUMNS", "export_values", "consent_values"]
