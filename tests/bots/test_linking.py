"""Linking a chat to a staff member: one-time codes, /start, /unlink, unlinked chats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bots.engine import Engine
from db.models.chat import ChatAccount, ChatLinkCode, ChatRoute
from db.models.core import AuditEntry, Role, Staff
from tests.bots.conftest import Chat, add_staff, linked_chat, new_code
from tests.conftest import Api, Tenant

LINK_CODE = "mutation { createChatLinkCode { code expiresAt errors { code message } } }"


async def test_code_is_single_use_hashed_and_expires_in_ten_minutes(api: Api, tenant: Tenant, engine: Engine) -> None:
    # when
    data = (await api.ok(LINK_CODE))["createChatLinkCode"]
    # then
    expires = datetime.fromisoformat(data["expiresAt"])
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    async with api.db.session(all_tenants=True) as session:
        rows = (await session.scalars(select(ChatLinkCode))).all()
    assert len(rows) == 1 and data["code"] not in rows[0].code_hash and len(rows[0].code_hash) == 64
    first, second = Chat(engine, "1"), Chat(engine, "2")
    assert "Linked to Administrator (admin@acme.example)" in (await first.send(f"/start {data['code']}"))[0].text
    assert "unknown, already used or expired" in (await second.send(f"/start {data['code']}"))[0].text
    assert "not linked" in (await second.send("/help"))[0].text


async def test_code_typed_in_lower_case_without_dash_links(api: Api, tenant: Tenant, engine: Engine) -> None:
    code = await new_code(api, tenant.token)
    replies = await Chat(engine, "7").send(f"/start {code.replace('-', '').lower()}")
    assert replies[0].text.startswith("Linked to")


async def test_expired_code_is_refused(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given
    code = await new_code(api, tenant.token)
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(ChatLinkCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    # when
    replies = await Chat(engine, "3").send(f"/start {code}")
    # then
    assert "expired" in replies[0].text
    async with api.db.session(all_tenants=True) as session:
        assert (await session.scalars(select(ChatRoute))).all() == []


async def test_day_old_codes_are_cleared_when_a_new_one_is_made(api: Api, tenant: Tenant) -> None:
    await new_code(api, tenant.token)
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(ChatLinkCode).values(expires_at=datetime.now(UTC) - timedelta(days=2)))
    await new_code(api, tenant.token)
    async with api.db.session(all_tenants=True) as session:
        assert len((await session.scalars(select(ChatLinkCode))).all()) == 1


async def test_two_chats_racing_for_one_code_link_exactly_one(api: Api, tenant: Tenant, engine: Engine) -> None:
    code = await new_code(api, tenant.token)
    chats = [Chat(engine, str(40 + i)) for i in range(4)]
    results = await asyncio.gather(*(c.send(f"/start {code}") for c in chats))
    assert sum(r[0].text.startswith("Linked to") for r in results) == 1
    async with api.db.session(all_tenants=True) as session:
        assert len((await session.scalars(select(ChatAccount))).all()) == 1


async def test_unlinked_chat_gets_only_instructions(api: Api, tenant: Tenant, engine: Engine) -> None:
    chat = Chat(engine, "5", language="zh-CN")
    for text in ("/find alice", "hello", "/start", "/start NOPE-NOPE1"):
        await chat.send(text)
    assert all("绑定" in r.text for r in chat.replies)
    assert chat.replies[-1].text.startswith("绑定码无效")
    assert all(not r.buttons for r in chat.replies)


async def test_unlink_forgets_the_chat_and_is_audited(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given
    chat = await linked_chat(api, engine, tenant.token)
    # when
    await chat.send("/unlink")
    # then
    assert "no longer linked" in chat.last
    assert "not linked" in (await chat.send("/help"))[0].text
    async with api.db.session(tenant_id=tenant.id) as session:
        ops = (await session.scalars(select(AuditEntry.operation).where(
            AuditEntry.entity_type.in_(["ChatAccount", "ChatLinkCode"])).order_by(AuditEntry.at))).all()
    assert ops == ["createChatLinkCode", "chatLink", "chatUnlink"]


async def test_start_with_a_new_code_relinks_to_another_staff_member(api: Api, tenant: Tenant, engine: Engine) -> None:
    chat = await linked_chat(api, engine, tenant.token)
    other = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id, locale="zh-CN")
    replies = await chat.send(f"/start {await new_code(api, other)}")
    assert replies[0].text.startswith("已绑定到 Sales")
    assert replies[1].text.startswith("我可以：") and "/cancel – 取消当前操作" in replies[1].text
    assert "已绑定到 Sales" in (await chat.send("/start"))[0].text


async def test_deactivated_staff_member_loses_the_chat(api: Api, tenant: Tenant, engine: Engine) -> None:
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id)
    chat = await linked_chat(api, engine, token)
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(Staff).where(Staff.role == Role.SALES).values(active=False))
    assert "not linked" in (await chat.send("/help"))[0].text


async def test_integrator_may_not_create_a_link_code(api: Api, tenant: Tenant) -> None:
    token = await add_staff(api, tenant, role=Role.INTEGRATOR, node_id=tenant.root_id)
    data = (await api.ok(LINK_CODE, token=token))["createChatLinkCode"]
    assert data["code"] is None and data["errors"][0]["code"] == "FORBIDDEN"
