"""Root fields: me, node/nodes, login, staff and API tokens."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.models import core as m
from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from resolvers.core import auth
from resolvers.core.login import login as login_service
from schema.core.inputs import (
    ApiTokenPayload,
    CreateApiTokenInput,
    CreateStaffInput,
    LoginInput,
    LoginPayload,
    RevokeApiTokenInput,
    StaffPayload,
)
from schema.core.staff import StaffMutation, StaffQuery
from schema.core.types import Staff, fetch_staff
from schema.customers.types import Customer, fetch_customers
from schema.errors import bad_input, user_errors
from schema.loading import by_id
from schema.mutation import run_mutation
from schema.relay import Node, decode_id, register_node, resolve_nodes
from schema.tree.types import TierNode, fetch_tier_nodes

register_node(Staff, fetch_staff)
register_node(TierNode, fetch_tier_nodes)
register_node(Customer, fetch_customers)

MAX_NODES = 100


@strawberry.type
class Query(StaffQuery):
    @strawberry.field(description="The authenticated staff member.")
    async def me(self, info: Info) -> Staff:
        row = await by_id(info.context, m.Staff).load(info.context.viewer.staff_id)
        return Staff.from_row(row)

    @strawberry.field(description="Any entity by global id; null when unknown or out of scope.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise bad_input(f"at most {MAX_NODES} ids")
        return await resolve_nodes(info, ids)


@strawberry.type
class Mutation(StaffMutation):
    @strawberry.mutation(description="Exchange email and password for a bearer token.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        client = getattr(ctx.request, "client", None)
        try:
            result = await login_service(
                ctx.app.db, email=input.email, password=input.password, tenant_slug=input.tenant,
                address=client.host if client else None, token_days=ctx.settings.session_token_days,
                request_id=ctx.request_id,
            )
        except DomainError as exc:
            return LoginPayload(errors=user_errors(exc))
        # The rest of this response (staff { scope }) resolves as the new session's viewer.
        ctx.set_viewer(result.viewer)
        return LoginPayload(token=result.token, staff=Staff.from_row(result.staff))

    @strawberry.mutation
    async def create_staff(self, info: Info, input: CreateStaffInput) -> StaffPayload:
        scope_id = decode_id(input.scope_node_id, "TierNode") or 0

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await auth.create_staff(
                session, viewer, name=input.name, email=input.email,
                role=m.Role(input.role.value), scope_node_id=scope_id,
                password=input.password, locale=input.locale or "en",
            )

        row, errors = await run_mutation(info, "createStaff", service)
        return StaffPayload(staff=Staff.from_row(row) if row else None, errors=errors)

    @strawberry.mutation(description="A new API token; the secret is in `token`, shown once.")
    async def create_api_token(self, info: Info, input: CreateApiTokenInput) -> ApiTokenPayload:
        from schema.core.types import ApiToken

        staff_id = decode_id(input.staff_id, "Staff") if input.staff_id else None
        if input.staff_id and staff_id is None:
            staff_id = -1  # malformed: reported as not found by the service

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await auth.create_api_token(
                session, viewer, name=input.name, staff_id=staff_id, expires_at=input.expires_at
            )

        result, errors = await run_mutation(info, "createApiToken", service)
        if result is None:
            return ApiTokenPayload(errors=errors)
        secret, token = result
        return ApiTokenPayload(token=secret, api_token=ApiToken.from_row(token))

    @strawberry.mutation
    async def revoke_api_token(self, info: Info, input: RevokeApiTokenInput) -> ApiTokenPayload:
        from schema.core.types import ApiToken

        token_id = decode_id(input.id, "ApiToken") or 0

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await auth.revoke_api_token(session, viewer, token_id=token_id)

        row, errors = await run_mutation(info, "revokeApiToken", service)
        return ApiTokenPayload(api_token=ApiToken.from_row(row) if row else None, errors=errors)
