"""How a mutation field runs a service: one transaction, errors into the payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.types import Info

from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from schema.errors import UserError, unauthenticated, user_errors

R = TypeVar("R")


async def run_mutation(
    info: Info, operation: str, service: Callable[[DbSession, Viewer], Awaitable[R]],
) -> tuple[R | None, list[UserError]]:
    """Run `service(session, viewer)` in the request's unit of work.

    A DomainError rolls everything back and comes back as UserErrors; any other
    exception rolls back and reaches the client masked.
    """
    ctx = info.context
    viewer = ctx.viewer
    if viewer is None:
        raise unauthenticated()
    try:
        async with ctx.write(operation) as session:
            result = await service(session, viewer)
    except DomainError as exc:
        return None, user_errors(exc)
    return result, []


def input_dict(obj: Any) -> dict[str, Any]:
    """A strawberry input as a dict of the fields the client actually sent."""
    import strawberry

    out: dict[str, Any] = {}
    for name in obj.__dataclass_fields__:
        value = getattr(obj, name)
        if value is not strawberry.UNSET:
            out[name] = value
    return out
