"""Passwords, bearer tokens, staff and API tokens (the login use case: resolvers/core/login.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from zxcvbn import zxcvbn

from config import password_hash_params
from db.base import utcnow
from db.models.core import ApiToken, Role, Staff, Tenant
from db.models.tree import TierNode
from db.session import WRITE, Database
from resolvers.common.errors import DomainError, ErrorCode, Problems, invalid, not_found
from resolvers.common.lengths import check_length
from resolvers.common.permissions import require, require_staff_authority
from resolvers.common.viewer import Viewer
from resolvers.tree.settings import normalise_locale

_hasher = PasswordHasher(**password_hash_params())
TOKEN_PREFIX = "cnp"
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("canopy-dummy-password")


T = TypeVar("T")
# Argon2 takes tens of milliseconds of CPU by design: it runs in these threads (it
# releases the GIL), never on the event loop, and at most this many at once; more
# logins wait in the executor's queue instead of starving every other request.
_HASHERS = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="argon2")
# ApiToken.last_used_at is written at most this often per token (docs/security.md).
TOKEN_USE_RESOLUTION = timedelta(minutes=5)
TOKEN_USE_DUE = "token_use_due"  # session.info: (tenant id, token id) whose use is to be written
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable"
MAX_PASSWORD = 256


async def off_loop(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` (hash_password, verify_password) in an argon2 worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_HASHERS, fn, *args)


def check_password(password: str, *, user_inputs: tuple[str, ...] = (), field: str = "password") -> None:
    """Reject a password a person chose that is blank, too short or weak by zxcvbn."""
    if not password.strip():
        raise invalid("password must not be blank", field)
    if len(password) < 8:
        raise invalid("password must have at least 8 characters", field)
    if len(password) > MAX_PASSWORD:
        raise invalid(f"password must have at most {MAX_PASSWORD} characters", field)
    # zxcvbn's cost grows with length; the first 100 characters decide any real password.
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        hint = result["feedback"].get("warning") or "add more words or characters"
        raise invalid(f"password is too weak: {hint.rstrip('.').lower()}", field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(secret: str) -> str:
    # Tokens are 256-bit random: a fast hash is enough, unlike for passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(tenant_id: int) -> str:
    return f"{TOKEN_PREFIX}_{tenant_id:x}_{secrets.token_urlsafe(32)}"


def parse_token(secret: str) -> int | None:
    """The tenant id a token names (so lookup runs on one tenant's shard), or None."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    try:
        return int(parts[1], 16)
    except ValueError:
        return None


def normalise_email(email: str, field: str | list[str] = "email") -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise invalid(f"invalid email: {exc}", field) from exc


async def issue_token(
    session: AsyncSession, staff: Staff, *, name: str, kind: str = "api",
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    secret = _new_secret(staff.tenant_id)
    token = ApiToken(
        tenant_id=staff.tenant_id, staff_id=staff.id, name=name, kind=kind,
        token_hash=_token_hash(secret), prefix=secret[:16], expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    return secret, token


async def viewer_for_token(session: AsyncSession, secret: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None if unknown, revoked or expired."""
    tenant_id = parse_token(secret)
    if tenant_id is None:
        return None
    session.info["tenant_id"] = tenant_id
    row = (
        await session.execute(
            select(ApiToken, Staff, TierNode.path, Tenant.reporting_currency)
            .join(Staff, Staff.id == ApiToken.staff_id)
            .join(TierNode, TierNode.id == Staff.scope_node_id)
            .join(Tenant, Tenant.id == ApiToken.tenant_id)
            .where(ApiToken.token_hash == _token_hash(secret))
        )
    ).first()
    if row is None:
        return None
    token, staff, scope_path, reporting = row
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not staff.active:
        return None
    if token.last_used_at is None or token.last_used_at <= now - TOKEN_USE_RESOLUTION:
        session.info[TOKEN_USE_DUE] = (token.tenant_id, token.id)
    viewer = viewer_of(staff, scope_path, token_id=token.id, reporting_currency=reporting)
    # API tokens kept through a reset (integrations) keep working; the person's own sessions wait.
    if staff.must_change_password and token.kind == "session":
        viewer = replace(viewer, password_change_required=True)
    return viewer


async def record_token_use(db: Database, session: AsyncSession) -> None:
    """Write lastUsedAt of the token `viewer_for_token` just accepted on `session`, when due.

    At most one short write per token per TOKEN_USE_RESOLUTION (the value read says when
    it was last written), in its own transaction so the request's read snapshot is not
    turned into a write. A Core UPDATE: usage is bookkeeping, not an audited change.
    """
    due = session.info.pop(TOKEN_USE_DUE, None)
    if due is None:
        return
    tenant_id, token_id = due
    now = utcnow()
    async with db.session(tenant_id=tenant_id) as writer:
        await writer.connection(execution_options={WRITE: True})
        await writer.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None),
                                                 ApiToken.last_used_at <= now - TOKEN_USE_RESOLUTION))
            .values(last_used_at=now)
        )
        await writer.commit()


def viewer_of(staff: Staff, scope_path: str, *, token_id: int | None = None,
              reporting_currency: str = "EUR") -> Viewer:
    return Viewer(
        staff_id=staff.id, tenant_id=staff.tenant_id, role=Role(staff.role),
        scope_node_id=staff.scope_node_id, scope_path=scope_path, name=staff.name,
        email=staff.email, locale=staff.locale, token_id=token_id,
        grants=frozenset(staff.grants or ()), reporting_currency=reporting_currency,
    )


async def scope_node(session: AsyncSession, viewer: Viewer, node_id: int, field: str) -> TierNode:
    node = await session.get(TierNode, (viewer.tenant_id, node_id))
    if node is None or not viewer.in_scope(node.path):
        raise not_found("tier node", field)
    return node


async def create_staff(
    session: AsyncSession, viewer: Viewer, *, name: str, email: str, role: Role,
    scope_node_id: int, password: str | None = None, locale: str = "en",
) -> Staff:
    require(viewer, "staff.write")
    problems = Problems()
    if not name.strip():
        problems.add(ErrorCode.INVALID, "name is required", "name")
    check_length(problems, name.strip(), Staff.name, "name")
    tag = normalise_locale(locale, ["locale"], problems)
    if tag is not None:
        check_length(problems, tag, Staff.locale, "locale")
    problems.raise_if_any()
    email = normalise_email(email)
    node = await scope_node(session, viewer, scope_node_id, "scopeNodeId")
    require_staff_authority(viewer, role, node.path, field="role")
    if await session.scalar(select(Staff.id).where(Staff.email == email)):
        raise DomainError(ErrorCode.CONFLICT, "a staff member with this email exists", ("email",))
    if password is not None:
        check_password(password, user_inputs=(name, email))
    staff = Staff(
        tenant_id=viewer.tenant_id, name=name.strip(), email=email, role=role,
        scope_node_id=scope_node_id, locale=tag,
        password_hash=await off_loop(hash_password, password) if password else None,
    )
    session.add(staff)
    await session.flush()
    return staff


async def create_api_token(
    session: AsyncSession, viewer: Viewer, *, name: str, staff_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    require(viewer, "token.write")
    problems = Problems()
    if not name.strip():
        problems.add(ErrorCode.INVALID, "name is required", "name")
    check_length(problems, name.strip(), ApiToken.name, "name")
    problems.raise_if_any()
    if expires_at is not None and expires_at <= utcnow():
        raise invalid("expiresAt must be in the future", "expiresAt")
    target_id = staff_id or viewer.staff_id
    if target_id != viewer.staff_id:
        require(viewer, "token.others")
    row = (
        await session.execute(
            select(Staff, TierNode.path).join(TierNode, TierNode.id == Staff.scope_node_id)
            .where(Staff.id == target_id)
        )
    ).first()
    if row is None:
        raise not_found("staff member", "staffId")
    require_staff_authority(viewer, Role(row[0].role), row[1], field="staffId")
    return await issue_token(session, row[0], name=name.strip(), expires_at=expires_at)


async def revoke_api_token(session: AsyncSession, viewer: Viewer, *, token_id: int) -> ApiToken:
    require(viewer, "token.write")
    row = (
        await session.execute(
            select(ApiToken, Staff.role, TierNode.path)
            .join(Staff, Staff.id == ApiToken.staff_id)
            .join(TierNode, TierNode.id == Staff.scope_node_id)
            .where(ApiToken.id == token_id)
        )
    ).first()
    if row is None:
        raise not_found("API token")
    token, role, scope_path = row
    require_staff_authority(viewer, Role(role), scope_path, field="id", what="API token")
    if token.staff_id != viewer.staff_id:
        require(viewer, "token.others")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    await session.flush()
    return token
