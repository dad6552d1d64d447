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


@strawberry.input
class StaffFilter:
    role: Role | None = None  # type: ignore[valid-type]
    node_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff scoped anywhere in this node's subtree."
    )
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Words found in the name or email.")


@strawberry.input
class UpdateStaffInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.field(default=strawberry.UNSET, description="null: the scope node's.")
    role: Role | None = strawberry.UNSET  # type: ignore[valid-type]
    scope_node_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class DeactivateStaffInput:
    id: strawberry.ID


@strawberry.input
class ReactivateStaffInput:
    id: strawberry.ID


@strawberry.input
class ResetStaffPasswordInput:
    id: strawberry.ID
    revoke_api_tokens: bool = strawberry.field(
        default=True, description="Also end their API tokens (login sessions always end)."
    )


@strawberry.type
class ResetStaffPasswordPayload:
    staff: Staff | None = None
    password: str | None = strawberry.field(
        default=None, description="The generated password: shown only once, to be changed at first login."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ChangeMyPasswordInput:
    current_password: str
    new_password: str
