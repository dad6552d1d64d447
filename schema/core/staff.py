"""Staff management fields: the `staff` list and the mutations on staff and own password."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from db.models import core as m
from db.models import tree as tm
from db.session import DbSession
from resolvers.common.viewer import Viewer
from resolvers.core import staff as service
from schema.core.inputs import (
    ChangeMyPasswordInput,
    DeactivateStaffInput,
    ReactivateStaffInput,
    ResetStaffPasswordInput,
    ResetStaffPasswordPayload,
    StaffFilter,
    StaffPayload,
    UpdateStaffInput,
)
from schema.core.types import Staff
from schema.errors import UserError, user_errors
from schema.loading import by_id
from schema.mutation import input_dict, run_mutation
from schema.relay import Connection, decode_id, page_args, paginate

ORDER = [(m.Staff.name, False), (m.Staff.id, False)]


def _pk(gid: str | None, type_name: str) -> int:
    """A malformed or foreign id becomes 0, which no row has (NOT_FOUND, as a missing id)."""
    return (decode_id(gid, type_name) or 0) if gid is not None else 0


async def _filter_values(info: Info, given: StaffFilter | None) -> service.StaffFilterValues:
    if given is None:
        return service.StaffFilterValues()
    node_path, missing = None, False
    if given.node_id is not None:
        pk = decode_id(given.node_id, "TierNode")
        node = await by_id(info.context, tm.TierNode).load(pk) if pk is not None else None
        missing = node is None
        node_path = node.path if node is not None else None
    return service.StaffFilterValues(
        role=m.Role(given.role.value) if given.role is not None else None,
        node_path=node_path, node_missing=missing, active=given.active, search=given.search,
    )


def _payload(row: Any, errors: list[UserError]) -> StaffPayload:
    return StaffPayload(staff=Staff.from_row(row) if row is not None else None, errors=errors)


@strawberry.type
class StaffQuery:
    @strawberry.field(description="Staff scoped inside the caller's subtree, by name; at most 100 per page.")
    async def staff(
        self, info: Info, first: int | None = None, after: str | None = None,
        last: int | None = None, before: str | None = None, filter: StaffFilter | None = None,
    ) -> Connection[Staff]:
        args = page_args(first, after, last, before)
        stmt = service.staff_query(info.context.viewer, await _filter_values(info, filter))
        return await paginate(info.context, stmt, order=ORDER, args=args, convert=Staff.from_row)


@strawberry.type
class StaffMutation:
    @strawberry.mutation(description="Name, locale, time zone (also on yourself); role and scope (ADMIN, MANAGER).")
    async def update_staff(self, info: Info, input: UpdateStaffInput) -> StaffPayload:
        changes = input_dict(input)
        changes.pop("id")
        if "role" in changes and changes["role"] is not None:
            changes["role"] = m.Role(changes["role"].value)
        if changes.get("scope_node_id") is not None:
            changes["scope_node_id"] = _pk(changes["scope_node_id"], "TierNode")

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.update_staff(session, viewer, _pk(input.id, "Staff"), changes)

        return _payload(*await run_mutation(info, "updateStaff", run))

    @strawberry.mutation(description="Ends all their access at once: tokens revoked, chats unlinked, sockets closed.")
    async def deactivate_staff(self, info: Info, input: DeactivateStaffInput) -> StaffPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.deactivate_staff(session, viewer, _pk(input.id, "Staff"))

        return _payload(*await run_mutation(info, "deactivateStaff", run))

    @strawberry.mutation(description="They may log in again; their old tokens stay revoked.")
    async def reactivate_staff(self, info: Info, input: ReactivateStaffInput) -> StaffPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.reactivate_staff(session, viewer, _pk(input.id, "Staff"))

        return _payload(*await run_mutation(info, "reactivateStaff", run))

    @strawberry.mutation(description="A generated password, shown once; their login sessions end.")
    async def reset_staff_password(self, info: Info, input: ResetStaffPasswordInput) -> ResetStaffPasswordPayload:
        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.reset_staff_password(
                session, viewer, _pk(input.id, "Staff"), revoke_api_tokens=input.revoke_api_tokens
            )

        result, errors = await run_mutation(info, "resetStaffPassword", run)
        if result is None:
            return ResetStaffPasswordPayload(errors=errors)
        row, password = result
        return ResetStaffPasswordPayload(staff=Staff.from_row(row), password=password)

    @strawberry.mutation(description="Your own password, given the current one; your other login sessions end.")
    async def change_my_password(self, info: Info, input: ChangeMyPasswordInput) -> StaffPayload:
        client = getattr(info.context.request, "client", None)

        async def run(session: DbSession, viewer: Viewer) -> Any:
            return await service.change_my_password(
                session, viewer, current=input.current_password, new=input.new_password,
                address=client.host if client else None,
            )

        result, errors = await run_mutation(info, "changeMyPassword", run)
        if isinstance(result, service.WrongPassword):
            # Committed (the failure counts), and still an error for the caller.
            return StaffPayload(errors=user_errors(result.error()))
        return _payload(result, errors)
