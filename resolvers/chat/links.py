"""Chat links: one-time codes, binding a chat to a staff member, the viewer behind a chat."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import record
from db.base import utcnow
from db.models.chat import ChatAccount, ChatLinkCode, ChatRoute
from db.models.core import Staff, Tenant
from db.models.tree import TierNode
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.core.auth import viewer_of

CODE_TTL = timedelta(minutes=10)
# No 0/O, 1/I: codes are read off one screen and typed on another. 10 chars = 50 bits.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LEN = 10


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What the user typed, without spaces, dashes and case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


async def create_link_code(session: AsyncSession, viewer: Viewer) -> tuple[str, datetime]:
    """A new single-use code for the viewer; shown once, stored hashed, valid 10 minutes."""
    require(viewer, "chat.link")
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LEN))
    code = f"{raw[:5]}-{raw[5:]}"
    row = ChatLinkCode(
        code_hash=_code_hash(code), tenant_id=viewer.tenant_id, staff_id=viewer.staff_id,
        expires_at=utcnow() + CODE_TTL,
    )
    session.add(row)
    # Spent and expired codes are useless after a day; clearing them here keeps the table small.
    await session.execute(delete(ChatLinkCode).where(ChatLinkCode.expires_at < utcnow() - timedelta(days=1)))
    await session.flush()
    record(session.sync_session, tenant_id=viewer.tenant_id, entity_type="ChatLinkCode",
           entity_id=row.id, changes={"staff_id": [None, viewer.staff_id],
                                      "expires_at": [None, row.expires_at]})
    return code, row.expires_at


@dataclass(frozen=True)
class ChatViewer:
    viewer: Viewer
    account: ChatAccount


async def redeem_link_code(
    session: AsyncSession, *, platform: str, external_id: str, code: str,
) -> ChatAccount | None:
    """Bind the chat to the code's staff member; None when the code is unknown, used or expired.

    Runs in an all_tenants session inside a unit of work. The conditional UPDATE
    makes the code single-use even when two chats send it at the same moment.
    """
    now = utcnow()
    claimed = (
        await session.execute(
            update(ChatLinkCode)
            .where(ChatLinkCode.code_hash == _code_hash(code), ChatLinkCode.used_at.is_(None),
                   ChatLinkCode.expires_at > now)
            .values(used_at=now)
            .returning(ChatLinkCode.tenant_id, ChatLinkCode.staff_id)
        )
    ).first()
    if claimed is None:
        return None
    tenant_id, staff_id = claimed
    staff = await session.scalar(
        select(Staff).where(Staff.tenant_id == tenant_id, Staff.id == staff_id, Staff.active.is_(True))
    )
    if staff is None:
        return None
    await _drop_chat(session, platform=platform, external_id=external_id)
    session.add(ChatRoute(platform=platform, external_id=external_id, tenant_id=tenant_id))
    account = ChatAccount(tenant_id=tenant_id, platform=platform, external_id=external_id,
                          staff_id=staff_id, state={})
    session.add(account)
    await session.flush()
    session.info["actor_id"] = staff_id
    record(session.sync_session, tenant_id=tenant_id, entity_type="ChatAccount", entity_id=account.id,
           changes={"platform": [None, platform], "staff_id": [None, staff_id]})
    return account


async def unlink_chat(session: AsyncSession, account: ChatAccount) -> None:
    """Forget the chat: its route, its account and its conversation state."""
    record(session.sync_session, tenant_id=account.tenant_id, entity_type="ChatAccount",
           entity_id=account.id, changes={"staff_id": [account.staff_id, None], "_deleted": [False, True]})
    await _drop_chat(session, platform=account.platform, external_id=account.external_id)


async def _drop_chat(session: AsyncSession, *, platform: str, external_id: str) -> None:
    # Runs across tenants: a chat relinked to another tenant leaves nothing behind.
    await session.execute(delete(ChatAccount).where(
        ChatAccount.platform == platform, ChatAccount.external_id == external_id))
    await session.execute(delete(ChatRoute).where(
        ChatRoute.platform == platform, ChatRoute.external_id == external_id))


async def tenant_of_chat(session: AsyncSession, *, platform: str, external_id: str) -> int | None:
    return await session.scalar(
        select(ChatRoute.tenant_id).where(ChatRoute.platform == platform, ChatRoute.external_id == external_id)
    )


async def viewer_for_chat(
    session: AsyncSession, *, platform: str, external_id: str,
) -> ChatViewer | None:
    """The linked, active staff member behind a chat (session already on the chat's tenant)."""
    row = (
        await session.execute(
            select(ChatAccount, Staff, TierNode.path, Tenant.reporting_currency)
            .join(Staff, Staff.id == ChatAccount.staff_id)
            .join(TierNode, TierNode.id == Staff.scope_node_id)
            .join(Tenant, Tenant.id == ChatAccount.tenant_id)
            .where(ChatAccount.platform == platform, ChatAccount.external_id == external_id)
        )
    ).first()
    if row is None or not row[1].active:
        return None
    account, staff, scope_path, reporting = row
    return ChatViewer(viewer_of(staff, scope_path, reporting_currency=reporting), account)


async def unlink_staff(session: AsyncSession, tenant_id: int, staff_id: int) -> int:
    """Unlink every chat of a staff member and void their unused codes (deactivation)."""
    accounts = (await session.scalars(select(ChatAccount).where(ChatAccount.staff_id == staff_id))).all()
    for account in accounts:
        await unlink_chat(session, account)
    await session.execute(delete(ChatLinkCode).where(
        ChatLinkCode.tenant_id == tenant_id, ChatLinkCode.staff_id == staff_id, ChatLinkCode.used_at.is_(None)))
    return len(accounts)
