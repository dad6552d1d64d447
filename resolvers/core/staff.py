"""Staff management: the list, profile/role/scope changes, deactivation, passwords.

Every action on another staff member goes through `require_staff_authority` (one rule,
resolvers/common/permissions.py); one invariant is added here: the tenant keeps at least
one active ADMIN scoped to the root, so nobody can lock the whole tenant out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import utcnow
from db.models.core import ApiToken, Role, Staff
from db.models.tree import TierNode, in_subtree
from resolvers.chat.links import unlink_staff
from resolvers.common.errors import DomainError, ErrorCode, Problems, invalid, not_found
from resolvers.common.lengths import check_length
from resolvers.common.permissions import can, require, require_staff_authority
from resolvers.common.viewer import Viewer
from resolvers.core import throttle
from resolvers.core.auth import check_password, hash_password, off_loop, scope_node, verify_password
from resolvers.tree.settings import normalise_locale, normalise_timezone

# Profile fields anyone may change on themselves; the rest needs staff.write.
PROFILE = frozenset({"name", "locale", "time_zone"})
# 4 groups of 5 from 32 unambiguous characters: 100 bits, read off one screen and typed on another.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# ---------- reads ----------

@dataclass(frozen=True)
class StaffFilterValues:
    role: Role | None = None
    node_path: str | None = None  # a subtree: staff scoped anywhere in it
    node_missing: bool = False  # the filter named a node that does not exist (or is hidden)
    active: bool | None = None
    search: str | None = None


def staff_query(viewer: Viewer, values: StaffFilterValues) -> Select[Any]:
    """Staff whose scope lies in the viewer's subtree (and the filter's) matching the filter."""
    require(viewer, "staff.read")
    path = values.node_path or viewer.scope_path
    stmt = select(Staff)
    if values.node_missing or not viewer.in_scope(path):
        return stmt.where(false())
    if path.count("/") > 2:  # below the root: confine to the subtree (the root holds everyone)
        stmt = stmt.where(Staff.scope_node_id.in_(select(TierNode.id).where(in_subtree(TierNode.path, path))))
    if values.role is not None:
        stmt = stmt.where(Staff.role == values.role)
    if values.active is not None:
        stmt = stmt.where(Staff.active.is_(values.active))
    for term in (values.search or "").lower().split():
        # Emails are stored lower-cased; names are compared lower-cased.
        stmt = stmt.where(or_(func.lower(Staff.name).contains(term, autoescape=True),
                              Staff.email.contains(term, autoescape=True)))
    return stmt


def sees_tokens(viewer: Viewer, staff_id: int, role: Role, scope_path: str) -> bool:
    """Whose API tokens a viewer may list: their own, and those of staff they may act on."""
    if staff_id == viewer.staff_id:
        return True
    if not can(viewer, "token.others"):
        return False
    try:
        require_staff_authority(viewer, role, scope_path, field="id")
    except DomainError:
        return False
    return True


TOKEN_ORDER = [(ApiToken.id, True)]  # newest first: ids are time-ordered


def token_conditions(include_inactive: bool) -> list[Any]:
    """Staff.apiTokens: without include_inactive, the tokens that still work."""
    if include_inactive:
        return []
    return [ApiToken.revoked_at.is_(None), or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow())]


# ---------- the target of an action ----------

async def staff_in_reach(
    session: AsyncSession, viewer: Viewer, staff_id: int, field: str = "id",
) -> tuple[Staff, TierNode]:
    """The staff member and scope node the viewer may act on; hidden answers as missing."""
    row = (
        await session.execute(
            select(Staff, TierNode).join(TierNode, TierNode.id == Staff.scope_node_id).where(Staff.id == staff_id)
        )
    ).first()
    if row is None:
        raise not_found("staff member", field)
    require_staff_authority(viewer, Role(row[0].role), row[1].path, field=field)
    return row[0], row[1]


async def _keep_a_root_admin(session: AsyncSession, staff: Staff, scope: TierNode, field: str) -> None:
    """Refuse a change that would leave the tenant without an active ADMIN at its root.

    The active root admins are locked in id order, so two such changes running at once
    (each removing a different admin) serialise instead of both passing the check, and
    never deadlock (both take the same locks in the same order). SQLite serialises writers.
    """
    if not (staff.active and Role(staff.role) is Role.ADMIN and scope.parent_id is None):
        return
    admins = (
        await session.scalars(
            select(Staff.id).join(TierNode, TierNode.id == Staff.scope_node_id)
            .where(Staff.role == Role.ADMIN, Staff.active.is_(True), TierNode.parent_id.is_(None))
            .order_by(Staff.id).with_for_update(of=Staff)
        )
    ).all()
    if not [a for a in admins if a != staff.id]:
        raise DomainError(ErrorCode.CONFLICT, "the tenant must keep an active ADMIN scoped to its root", field)


async def revoke_tokens(
    session: AsyncSession, staff_id: int, *, kinds: tuple[str, ...] | None = None, keep: int | None = None,
) -> int:
    """Revoke the staff member's live tokens (of `kinds`, except `keep`); each is audited and
    closes its open websockets after commit (resolvers/events/access.py)."""
    stmt = select(ApiToken).where(ApiToken.staff_id == staff_id, ApiToken.revoked_at.is_(None))
    if kinds is not None:
        stmt = stmt.where(ApiToken.kind.in_(kinds))
    if keep is not None:
        stmt = stmt.where(ApiToken.id != keep)
    now = utcnow()
    tokens = (await session.scalars(stmt)).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


# ---------- commands ----------

async def update_staff(
    session: AsyncSession, viewer: Viewer, staff_id: int, changes: dict[str, Any],
) -> Staff:
    """Change name, locale, time zone (anyone, on themselves), role and scope (staff.write).

    The new role and scope pass the same rule as the target: at most the caller's role,
    inside the caller's scope; so nobody raises their own role or widens their own scope.
    """
    own = staff_id == viewer.staff_id
    if not (own and changes.keys() <= PROFILE):
        require(viewer, "staff.write")
    problems = Problems()
    values: dict[str, Any] = {}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            problems.add(ErrorCode.INVALID, "name is required", "name")
        check_length(problems, name, Staff.name, "name")
        values["name"] = name
    if "locale" in changes:
        if changes["locale"] is None:
            problems.add(ErrorCode.INVALID, "locale must not be null", "locale")
        else:
            tag = normalise_locale(changes["locale"], ["locale"], problems)
            if tag is not None:
                check_length(problems, tag, Staff.locale, "locale")
            values["locale"] = tag
    if "time_zone" in changes:
        zone = changes["time_zone"]
        values["time_zone"] = None if zone is None else normalise_timezone(zone, ["timeZone"], problems)
    if "role" in changes and changes["role"] is None:
        problems.add(ErrorCode.INVALID, "role must not be null", "role")
    if "scope_node_id" in changes and changes["scope_node_id"] is None:
        problems.add(ErrorCode.INVALID, "scopeNodeId must not be null", "scopeNodeId")
    problems.raise_if_any()
    staff, scope = await staff_in_reach(session, viewer, staff_id)
    new_scope = scope
    if changes.get("scope_node_id") is not None:
        new_scope = await scope_node(session, viewer, changes["scope_node_id"], "scopeNodeId")
    new_role = Role(changes["role"]) if changes.get("role") is not None else Role(staff.role)
    if new_role is not Role(staff.role) or new_scope.id != scope.id:
        require_staff_authority(viewer, new_role, new_scope.path, field="role" if "role" in changes else "scopeNodeId")
        if new_role is not Role.ADMIN or new_scope.parent_id is not None:
            await _keep_a_root_admin(session, staff, scope, "role" if new_role is not Role.ADMIN else "scopeNodeId")
        staff.role, staff.scope_node_id = new_role, new_scope.id
    for key, value in values.items():
        setattr(staff, key, value)
    await session.flush()
    return staff


async def deactivate_staff(session: AsyncSession, viewer: Viewer, staff_id: int) -> Staff:
    """No more access, at once: every token revoked, every chat unlinked, open sockets closed."""
    require(viewer, "staff.write")
    staff, scope = await staff_in_reach(session, viewer, staff_id)
    if staff.id == viewer.staff_id:
        raise DomainError(ErrorCode.FORBIDDEN, "you cannot deactivate yourself", "id")
    await _keep_a_root_admin(session, staff, scope, "id")
    staff.active = False
    await revoke_tokens(session, staff.id)
    await unlink_staff(session, staff.tenant_id, staff.id)
    await session.flush()
    return staff


async def reactivate_staff(session: AsyncSession, viewer: Viewer, staff_id: int) -> Staff:
    """Active again; the tokens revoked at deactivation stay revoked (log in or reset the password)."""
    require(viewer, "staff.write")
    staff, _ = await staff_in_reach(session, viewer, staff_id)
    staff.active = True
    await session.flush()
    return staff


def generate_password() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


async def reset_staff_password(
    session: AsyncSession, viewer: Viewer, staff_id: int, *, revoke_api_tokens: bool = True,
) -> tuple[Staff, str]:
    """A generated password (returned once; only its hash is stored) replacing the old one.

    The person who ran the reset has seen it, so it must be changed at the next login
    (`mustChangePassword`). Login sessions always end (they came from the old password,
    which may be what leaked); API tokens of integrations end too unless
    `revoke_api_tokens` is false. The account's failed-login lock is lifted.
    """
    require(viewer, "staff.write")
    staff, _ = await staff_in_reach(session, viewer, staff_id)
    if staff.id == viewer.staff_id:
        raise invalid("use changeMyPassword for your own password", "id")
    password = generate_password()
    staff.password_hash = await off_loop(hash_password, password)
    staff.must_change_password = True
    await revoke_tokens(session, staff.id, kinds=None if revoke_api_tokens else ("session",))
    await throttle.clear_account(session, staff.email)
    await session.flush()
    return staff, password


@dataclass(frozen=True)
class WrongPassword:
    """changeMyPassword's answer when the current password is wrong: the failure is counted
    (committed) and the field reports it, so a stolen session cannot guess without limit."""

    def error(self) -> DomainError:
        return invalid("the current password is wrong", "currentPassword")


async def change_my_password(
    session: AsyncSession, viewer: Viewer, *, current: str, new: str, address: str | None,
) -> Staff | WrongPassword:
    """The viewer's own password, given the current one; other login sessions end.

    Wrong current passwords count towards the same lock as failed logins of the account
    (resolvers/core/throttle.py); while it holds, every attempt is refused unchecked.
    """
    keys = throttle.keys(viewer.email, address)
    now = throttle.clock()
    if await throttle.locked_until(session, keys, now) is not None:
        raise DomainError(ErrorCode.FORBIDDEN, "too many failed attempts: try again later", "currentPassword")
    # Locked, so of two changes at once the second checks against the first's new password.
    staff = await session.scalar(
        select(Staff).where(Staff.id == viewer.staff_id).with_for_update().execution_options(populate_existing=True)
    )
    if staff is None or not staff.active:
        raise not_found("staff member", "id")
    if not await off_loop(verify_password, staff.password_hash, current):
        for key, until in await throttle.record_failure(session, keys, now):
            if key.kind == "account":  # the lock, audited as login's is
                audit.record(session.sync_session, tenant_id=staff.tenant_id, entity_type="Staff",
                             entity_id=staff.id, node_id=staff.scope_node_id,
                             changes={"login_locked_until": [None, until]})
        return WrongPassword()
    if new == current:
        raise invalid("the new password must differ from the current one", "newPassword")
    check_password(new, user_inputs=(staff.name, staff.email), field="newPassword")
    staff.password_hash = await off_loop(hash_password, new)
    staff.must_change_password = False
    await revoke_tokens(session, staff.id, kinds=("session",), keep=viewer.token_id)
    await throttle.clear_account(session, staff.email)
    await session.flush()
    return staff
