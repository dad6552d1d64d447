"""UserError, the payload convention, and the top-level error codes."""

from __future__ import annotations

from enum import Enum

import strawberry
from graphql import GraphQLError

from resolvers.common.errors import DomainError
from resolvers.common.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(
    Enum("ErrorCode", {c.value: c.value for c in DomainErrorCode}),  # type: ignore[misc]
    name="ErrorCode",
)


@strawberry.type
class UserError:
    field: list[str] | None
    code: ErrorCode  # type: ignore[valid-type]
    message: str


def user_errors(exc: DomainError) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field else None,
            code=ErrorCode[p.code.value],  # type: ignore[index]
            message=p.message,
        )
        for p in exc.problems
    ]


class PublicError(GraphQLError):
    """A top-level error whose message is safe to show; everything else is masked."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


def unauthenticated() -> PublicError:
    return PublicError("authentication required: send Authorization: Bearer <token>", "UNAUTHENTICATED")


def bad_input(message: str) -> PublicError:
    return PublicError(message, "BAD_USER_INPUT")


def forbidden(message: str) -> PublicError:
    return PublicError(message, "FORBIDDEN")
