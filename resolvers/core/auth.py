"""Passwords, bearer tokens, login, staff and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import password_hash_params
from db.base import utcnow
from db.models.core import ApiToken, Role, Staff, Tenant
from db.models.tree import TierNode
from resolvers.common.errors import DomainError, ErrorCode, invalid, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer

_hasher = PasswordHasher(**password_hash_params())
TOKEN_PREFIX = "cnp"
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("canopy-dummy-password")


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


@dataclass
class LoginResult:
    token: str
    staff: Staff
    viewer: Viewer


async def login(
    session: AsyncSession, *, email: str, password: str, tenant_slug: str | None = None,
    token_days: int = 30,
) -> LoginResult:
    """Runs in a session with all_tenants=True: the tenant is not known before login."""
    wrong = DomainError(ErrorCode.INVALID, "wrong email or password", ("email",))
    stmt = select(Staff, Tenant).join(Tenant, Tenant.id == Staff.tenant_id).where(
        Staff.email == email.strip().lower(), Staff.active.is_(True)
    )
    if tenant_slug:
        stmt = stmt.where(Tenant.slug == tenant_slug)
    candidates = [row for row in (await session.execute(stmt)).all()]
    matches = [s for s, _ in candidates if verify_password(s.password_hash, password)]
    if not candidates:
        verify_password(None, password)
    if not matches:
        raise wrong
    if len(matches) > 1:
        raise DomainError(ErrorCode.CONFLICT, "this email belongs to several tenants: give tenant", ("tenant",))
    staff = matches[0]
    session.info["tenant_id"] = staff.tenant_id
    session.info["actor_id"] = staff.id
    secret, token = await issue_token(
        session, staff, name="login", kind="session",
        expires_at=utcnow() + timedelta(days=token_days),
    )
    scope = await session.get(TierNode, (staff.tenant_id, staff.scope_node_id))
    assert scope is not None
    tenant = next(t for s, t in candidates if s is staff)
    viewer = viewer_of(staff, scope.path, token_id=token.id, reporting_currency=tenant.reporting_currency)
    return LoginResult(token=secret, staff=staff, viewer=viewer)


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
    return viewer_of(staff, scope_path, token_id=token.id, reporting_currency=reporting)


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
    if viewer.role is not Role.ADMIN and role is Role.ADMIN:
        raise DomainError(ErrorCode.FORBIDDEN, "only an admin may create an admin", ("role",))
    if not name.strip():
        raise invalid("name is required", "name")
    email = normalise_email(email)
    await scope_node(session, viewer, scope_node_id, "scopeNodeId")
    if await session.scalar(select(Staff.id).where(Staff.email == email)):
        raise DomainError(ErrorCode.CONFLICT, "a staff member with this email exists", ("email",))
    if password is not None and len(password) < 8:
        raise invalid("password must have at least 8 characters", "password")
    staff = Staff(
        tenant_id=viewer.tenant_id, name=name.strip(), email=email, role=role,
        scope_node_id=scope_node_id, locale=locale,
        password_hash=hash_password(password) if password else None,
    )
    session.add(staff)
    await session.flush()
    return staff


async def create_api_token(
    session: AsyncSession, viewer: Viewer, *, name: str, staff_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    require(viewer, "token.write")
    if not name.strip():
        raise invalid("name is required", "name")
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
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("staff member", "staffId")
    return await issue_token(session, row[0], name=name.strip(), expires_at=expires_at)


async def revoke_api_token(session: AsyncSession, viewer: Viewer, *, token_id: int) -> ApiToken:
    require(viewer, "token.write")
    row = (
        await session.execute(
            select(ApiToken, TierNode.path)
            .join(Staff, Staff.id == ApiToken.staff_id)
            .join(TierNode, TierNode.id == Staff.scope_node_id)
            .where(ApiToken.id == token_id)
        )
    ).first()
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("API token")
    token = row[0]
    if token.staff_id != viewer.staff_id:
        require(viewer, "token.others")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    await session.flush()
    return token
