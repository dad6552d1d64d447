"""Domain errors: expected failures that become UserErrors in a payload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class Problem:
    code: ErrorCode
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """Raised by a service; the unit of work rolls back and the API reports the problems."""

    def __init__(
        self, code: ErrorCode | str | None = None, message: str = "",
        field: Sequence[str | int] | str | None = None, *, problems: Sequence[Problem] = (),
    ) -> None:
        items = list(problems)
        if code is not None:
            if isinstance(field, str):
                field = (field,)
            path = tuple(str(p) for p in field) if field is not None else None
            items.insert(0, Problem(ErrorCode(code), message, path))
        self.problems = items
        super().__init__("; ".join(p.message for p in items))


def not_found(what: str, field: str | Sequence[str] | None = "id") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found", field)


def invalid(message: str, field: str | Sequence[str | int] | None) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field)


class Problems:
    """Collects several validation problems and raises them together."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, field: Sequence[str | int] | str | None) -> None:
        path = (field,) if isinstance(field, str) else field
        self.items.append(Problem(code, message, tuple(str(p) for p in path) if path else None))

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(problems=self.items)
