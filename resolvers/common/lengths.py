"""Text lengths checked against their column, before PostgreSQL refuses them (INTERNAL) or SQLite stores them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resolvers.common.errors import ErrorCode, Problems


def column_length(attribute: Any) -> int:
    """The length of a mapped String column (Staff.name -> 200): the number stays on the model."""
    length = attribute.property.columns[0].type.length
    assert length, f"{attribute} has no length"
    return int(length)


def check_text(problems: Problems, value: str | None, field: str | Sequence[str | int], *,
               max_length: int, required: bool = True) -> None:
    """A required text is not blank; no text exceeds its column."""
    if required and not (value or "").strip():
        problems.add(ErrorCode.INVALID, "must not be blank", field)
    elif value is not None and len(value.strip()) > max_length:
        problems.add(ErrorCode.INVALID, f"at most {max_length} characters", field)


def check_length(problems: Problems, value: str | None, attribute: Any, field: str | Sequence[str | int]) -> None:
    """check_text's length rule, with the column's own length."""
    check_text(problems, value, field, max_length=column_length(attribute), required=False)
