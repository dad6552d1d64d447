"""Tenants, staff, API tokens, the audit trail and the event log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, new_id, tenant_fk, utcnow


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    SALES = "SALES"
    SUPPORT = "SUPPORT"
    INTEGRATOR = "INTEGRATOR"


class Tenant(Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    reporting_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Per-tenant counter handing out event cursors in commit order (see db/uow.py).
    event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Staff(TenantScoped, Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        tenant_fk("scope_node_id", "tier_node"),
        Index("ix_staff_email", "email"),
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(200), info={"secret": True})
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    scope_node_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(35), default="en")
    # IANA name; None: the time zone of the staff member's scope node (inherited settings).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Set by resetStaffPassword (the generated password was seen by someone else), cleared by changeMyPassword.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Field-level grants beyond the role, e.g. ["pii"] for an integrator.
    grants: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(TenantScoped, Base):
    __tablename__ = "api_token"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        tenant_fk("staff_id", "staff"),
    )

    staff_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="api")  # api | session
    token_hash: Mapped[str] = mapped_column(String(64), info={"secret": True})
    prefix: Mapped[str] = mapped_column(String(24))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(TenantScoped, Base):
    """One row per changed entity per mutation; written by db/audit.py, never updated."""

    __tablename__ = "audit_entry"
    __audited__ = False
    __table_args__ = (
        Index("ix_audit_entry_entity", "tenant_id", "entity_type", "entity_id"),
        Index("ix_audit_entry_node", "tenant_id", "node_id"),
    )

    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    operation: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str | None] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    # The tier node the entity belongs to, which scopes who may read the row (docs/security.md).
    node_id: Mapped[int | None] = mapped_column(BigInteger)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(TenantScoped, Base):
    """The outbox: written in the transaction of the change, streamed to integrators."""

    __tablename__ = "event"
    __audited__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    node_id: Mapped[int | None] = mapped_column(BigInteger)
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(TenantScoped, Base):
    """A client's idempotency key, claimed before the work it guards (resolvers/idempotency.py)."""

    __tablename__ = "idempotency_key"
    __audited__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "operation", "key"),)

    operation: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Failed logins per account and per client address (resolvers/core/throttle.py).

    Shared by all tenants: a login is throttled before its tenant is known. The key is
    a SHA-256 digest, so emails tried by an attacker are not stored in the clear.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]
