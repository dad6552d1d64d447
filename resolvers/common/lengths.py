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


def check_length(problems: Problems, value: str | None, attribute: Any, field: str | Sequence[str | int]) -> None:
    if value is not None and len(value) > (limit := column_length(attribute)):
        problems.add(ErrorCode.INVALID, f"at most {limit} characters", field)
