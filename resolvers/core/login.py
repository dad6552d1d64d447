"""Login: email and password for a session token, throttled, in constant work per attempt."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import utcnow
from db.models.core import Staff, Tenant
from db.models.tree import TierNode
from db.session import Database
from db.uow import unit_of_work
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.common.viewer import Viewer
from resolvers.core import throttle
from resolvers.core.auth import issue_token, off_loop, verify_password, viewer_of

log = logging.getLogger(__name__)


@dataclass
class LoginResult:
    token: str
    staff: Staff
    viewer: Viewer


async def login(
    db: Database, *, email: str, password: str, tenant_slug: str | None = None,
    address: str | None = None, token_days: int = 30, request_id: str | None = None,
) -> LoginResult:
    """A session token for the staff member, or a DomainError; failures count towards a lock.

    Every attempt that is not locked runs exactly one argon2 verify: against the dummy
    hash for an unknown email, against the first (oldest) account when the email is in
    several tenants. So the answer takes as long for an unknown email as for a known one.
    """
    keys = throttle.keys(email, address)
    now = throttle.clock()
    failed = False
    async with db.session(all_tenants=True) as session:
        async with unit_of_work(session, operation="login", request_id=request_id):
            until = await throttle.locked_until(session, keys, now)
            if until is not None:
                minutes = -(-int((until - now).total_seconds()) // 60)
                raise DomainError(
                    ErrorCode.FORBIDDEN, f"too many failed logins: try again in {minutes} minutes", ("email",)
                )
            stmt = (
                select(Staff, Tenant).join(Tenant, Tenant.id == Staff.tenant_id)
                .where(Staff.email == email.strip().lower(), Staff.active.is_(True))
                .order_by(Staff.created_at, Staff.id)
            )
            if tenant_slug:
                stmt = stmt.where(Tenant.slug == tenant_slug)
            candidates = (await session.execute(stmt)).all()
            first = candidates[0] if candidates else None
            if not await off_loop(verify_password, first[0].password_hash if first else None, password):
                await _fail(session, keys, now, [s for s, _ in candidates])
                failed = True
            elif len(candidates) > 1:
                raise DomainError(
                    ErrorCode.CONFLICT, "this email belongs to several tenants: give tenant", ("tenant",)
                )
            else:
                staff, tenant = first
                await throttle.clear_account(session, email)
                result = await _session_token(session, staff, tenant, token_days)
    if failed:
        raise DomainError(ErrorCode.INVALID, "wrong email or password", ("email",))
    return result


async def _session_token(session: AsyncSession, staff: Staff, tenant: Tenant, token_days: int) -> LoginResult:
    session.info["tenant_id"] = staff.tenant_id
    session.info["actor_id"] = staff.id
    staff.last_login_at = utcnow()
    secret, token = await issue_token(
        session, staff, name="login", kind="session",
        expires_at=utcnow() + timedelta(days=token_days),
    )
    scope = await session.get(TierNode, (staff.tenant_id, staff.scope_node_id))
    assert scope is not None
    viewer = viewer_of(staff, scope.path, token_id=token.id, reporting_currency=tenant.reporting_currency)
    return LoginResult(token=secret, staff=staff, viewer=viewer)


async def _fail(session: AsyncSession, keys: list[throttle.Key], now: datetime, accounts: list[Staff]) -> None:
    """Count the failure (committed, unlike the rest of a failed login); audit a lock it engages."""
    for key, until in await throttle.record_failure(session, keys, now):
        if key.kind == "address" or not accounts:
            # No tenant to file it under: the log is where an operator sees it.
            log.warning("login locked for %s %s… until %s", key.kind, key.digest[:12], until.isoformat())
            continue
        session.info["operation"] = "loginLocked"
        for staff in accounts:
            audit.record(
                session.sync_session, tenant_id=staff.tenant_id, entity_type="Staff",
                entity_id=staff.id, node_id=staff.scope_node_id,
                changes={"login_locked_until": [None, until]},
            )
