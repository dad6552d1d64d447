"""Inputs and payloads of login, staff and tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.core.types import ApiToken, Role, Staff
from schema.errors import UserError


@strawberry.input
class LoginInput:
    email: str
    password: str
    tenant: str | None = strawberry.field(
        default=None, description="Tenant slug, needed only when the email exists in several tenants."
    )


@strawberry.type
class LoginPayload:
    token: str | None = None
    staff: Staff | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateStaffInput:
    name: str
    email: str
    role: Role  # type: ignore[valid-type]
    scope_node_id: strawberry.ID
    password: str | None = None
    locale: str | None = "en"


@strawberry.type
class StaffPayload:
    staff: Staff | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiTokenInput:
    name: str
    staff_id: strawberry.ID | None = None
    expires_at: datetime | None = None


@strawberry.input
class RevokeApiTokenInput:
    id: strawberry.ID


@strawberry.type
class ApiTokenPayload:
    token: str | None = strawberry.field(default=None, description="The secret: shown only once.")
    api_token: ApiToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
