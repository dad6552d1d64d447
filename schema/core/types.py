"""Staff and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from db.models import core as m
from db.models import tree as tm
from resolvers.core import staff as staff_service
from schema.loading import by_id
from schema.relay import Connection, Node, build_connection, nested_pages, page_args, to_global_id
from schema.tree.types import TierNode, load_tier_node

Role = strawberry.enum(Enum("Role", {r.value: r.value for r in m.Role}), name="Role")  # type: ignore[misc]


@strawberry.type(name="Staff")
class Staff(Node):
    row: strawberry.Private[m.Staff]
    id: strawberry.ID
    name: str
    email: str
    role: Role  # type: ignore[valid-type]
    locale: str
    time_zone: str | None = strawberry.field(
        description="IANA name; null: the time zone of the scope node's settings."
    )
    active: bool
    last_login_at: datetime | None = strawberry.field(description="The last successful login.")
    must_change_password: bool = strawberry.field(
        description="Set by resetStaffPassword; cleared when they choose their own with changeMyPassword."
    )
    created_at: datetime

    @classmethod
    def from_row(cls, row: m.Staff) -> Staff:
        return cls(
            row=row, id=to_global_id("Staff", row.id), name=row.name, email=row.email,
            role=Role[m.Role(row.role).value], locale=row.locale,  # type: ignore[index]
            time_zone=row.time_zone, active=row.active, last_login_at=row.last_login_at,
            must_change_password=bool(row.must_change_password), created_at=row.created_at,
        )

    @strawberry.field
    async def scope(self, info: Info) -> TierNode:
        node = await load_tier_node(info, self.row.scope_node_id)
        assert node is not None
        return node

    @strawberry.field(description=(
        "Their API tokens and login sessions, newest first (never the secret). Visible to the staff "
        "member and to those who may act on them (docs/security.md); empty for anyone else. "
        "Without includeInactive: only tokens neither revoked nor expired."
    ))
    async def api_tokens(
        self, info: Info, first: int | None = None, after: str | None = None, include_inactive: bool = False,
    ) -> Connection[ApiToken]:
        args = page_args(first, after)
        scope = await by_id(info.context, tm.TierNode).load(self.row.scope_node_id)
        visible = scope is not None and staff_service.sees_tokens(
            info.context.viewer, self.row.id, m.Role(self.row.role), scope.path
        )
        if not visible:
            return build_connection([], args, staff_service.TOKEN_ORDER, ApiToken.from_row, None)
        pages = nested_pages(
            info.context, f"staff_tokens:{include_inactive}", m.ApiToken, m.ApiToken.staff_id,
            staff_service.TOKEN_ORDER, where=lambda: staff_service.token_conditions(include_inactive),
        )
        return await pages(self.row.id, args, ApiToken.from_row)


@strawberry.type(name="ApiToken")
class ApiToken(Node):
    row: strawberry.Private[m.ApiToken]
    id: strawberry.ID
    name: str
    kind: str
    prefix: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = strawberry.field(
        description="When the token was last used, to within 5 minutes."
    )
    created_at: datetime
    revoked: bool

    @classmethod
    def from_row(cls, row: m.ApiToken) -> ApiToken:
        return cls(
            row=row, id=to_global_id("ApiToken", row.id), name=row.name, kind=row.kind,
            prefix=row.prefix, expires_at=row.expires_at, revoked_at=row.revoked_at,
            last_used_at=row.last_used_at, created_at=row.created_at, revoked=row.revoked_at is not None,
        )

    @strawberry.field
    async def staff(self, info: Info) -> Staff:
        row = await by_id(info.context, m.Staff).load(self.row.staff_id)
        return Staff.from_row(row)


async def fetch_staff(info: Info, pks: list[int]) -> list[Any]:
    """Staff visible to the viewer: those whose scope lies in the viewer's subtree."""
    ctx = info.context
    rows = await by_id(ctx, m.Staff).load_many(pks)
    scopes = await by_id(ctx, tm.TierNode).load_many([r.scope_node_id if r else 0 for r in rows])
    return [
        Staff.from_row(r) if r is not None and s is not None and ctx.viewer.in_scope(s.path) else None
        for r, s in zip(rows, scopes, strict=True)
    ]
