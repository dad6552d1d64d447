"""Chat accounts bound to staff members, one-time link codes, processed bot updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TenantScoped, new_id, tenant_fk, utcnow


class ChatRoute(Base):
    """Which tenant a chat belongs to: a message arrives before its tenant is known.

    Shared by all tenants (a Citus reference table), written only on link/unlink;
    the per-message writes go to the tenant's own chat_account row.
    """

    __tablename__ = "chat_route"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatAccount(TenantScoped, Base):
    """A chat (platform + external chat id) linked to a staff member, with its conversation state."""

    __tablename__ = "chat_account"
    # Link and unlink are audited explicitly (resolvers/chat.py); state churn is not an audit fact.
    __audited__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "platform", "external_id"),
        tenant_fk("staff_id", "staff", ondelete="CASCADE"),
    )

    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int] = mapped_column(BigInteger)
    # The conversation: customer in context, step of a guided flow, page cursors (bots/state.py).
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=0)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatLinkCode(Base):
    """A one-time code binding a chat to a staff member; only its hash is stored.

    Shared by all tenants because the chat that redeems it does not know its tenant yet.
    """

    __tablename__ = "chat_link_code"
    __table_args__ = (Index("ix_chat_link_code_expires", "expires_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=new_id)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatUpdate(Base):
    """An update id a bot has applied; a redelivered update finds its row and is skipped."""

    __tablename__ = "chat_update"
    __table_args__ = (Index("ix_chat_update_received", "received_at"),)

    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
