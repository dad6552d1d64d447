"""The real python-telegram-bot stack against a fake Bot API on loopback: no network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bots.replies import Button, Reply, rows, text_units
from bots.telegram import MAX_MESSAGE, WEBHOOK_PATH, build_application, send_replies
from config import Settings
from db.models.chat import ChatRoute, ChatUpdate
from db.models.core import Event, Role
from schema.context import AppState
from schema.relay import to_global_id
from server import create_app
from tests.bots.conftest import add_customer, add_staff, add_store, needs, new_code
from tests.bots.fake_telegram import TOKEN, FakeBotApi, button_update, text_update
from tests.conftest import Api, Tenant

SECRET = "s3cret-webhook-token"


@dataclass
class Webhook:
    telegram: FakeBotApi
    client: httpx.AsyncClient
    app: Any

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.client.post(WEBHOOK_PATH, json=update, headers=headers)

    def texts(self) -> list[str]:
        return [p["text"] for p in self.telegram.sent()]


@pytest.fixture
async def hook(api: Api) -> AsyncIterator[Webhook]:
    """`canopy serve` with the bot configured, its lifespan running, Telegram faked."""
    async with FakeBotApi().running() as telegram:
        settings = Settings(database_url=api.db.url, telegram_token=TOKEN, telegram_secret=SECRET,
                            telegram_api_url=telegram.url)
        app = create_app(settings, db=api.db, migrate_on_start=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield Webhook(telegram, client, app)


async def test_link_then_card_through_buttons(api: Api, tenant: Tenant, hook: Webhook) -> None:
    # given
    store = await add_store(api, tenant, "DE-01")
    token = await add_staff(api, tenant, role=Role.SALES, node_id=store)
    customer_id = await add_customer(api, tenant, node_id=store, name="Alice Weber", phone="+4930123456")
    assert [name for name, _ in hook.telegram.calls] == ["getMe", "setMyCommands", "setMyCommands"]
    menu = hook.telegram.calls[2][1]
    assert menu["language_code"] == "zh" and menu["commands"][0] == {"command": "find", "description": "查找客户"}
    # when
    resp = await hook.post(text_update(77, f"/start {await new_code(api, token)}"))
    # then
    assert resp.status_code == 200
    assert hook.texts()[0].startswith("Linked to Sales")
    assert hook.telegram.sent()[0]["chat_id"] == 77
    # when: a button of an earlier card is pressed
    await hook.post(button_update(77, f"c:{to_global_id('Customer', customer_id)}", message_id=600))
    # then
    assert hook.telegram.sent("answerCallbackQuery")
    card = hook.telegram.sent()[-1]
    assert card["text"].startswith("👤 Alice Weber\nStore: Store DE-01 (DE-01)")


@needs("CustomerCard", "LogInteraction")
async def test_log_a_visit_with_buttons_on_telegram(api: Api, tenant: Tenant, hook: Webhook) -> None:
    # given
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Ines Visit")
    await hook.post(text_update(66, f"/start {await new_code(api, tenant.token)}"))
    await hook.post(button_update(66, f"c:{to_global_id('Customer', cid)}", message_id=1))

    def press(label: str) -> dict[str, Any]:
        keyboard = hook.telegram.sent()[-1]["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in keyboard for b in row if b["text"] == label)
        return button_update(66, data, message_id=hook.telegram.sent()[-1]["sent_message_id"])

    # when
    await hook.post(press("Log"))
    await hook.post(press("Visit"))
    await hook.post(text_update(66, "Picked up the altered trousers."))
    await hook.post(press("Confirm"))
    # then
    assert hook.texts()[-4:] == ["What happened with Ines Visit?", "Visit: send a short summary (or /cancel).",
                                 "Log this?\nVisit with Ines Visit:\nPicked up the altered trousers.",
                                 "Logged for Ines Visit."]
    assert len(hook.telegram.sent("answerCallbackQuery")) == 4
    async with api.db.session(tenant_id=tenant.id) as session:
        events = (await session.scalars(select(Event).where(Event.type == "INTERACTION_LOGGED"))).all()
    assert [e.data["channel"] for e in events] == ["telegram"]


async def test_next_page_edits_the_list_message(api: Api, tenant: Tenant, hook: Webhook) -> None:
    # given: a linked chat and seven customers named Kai
    for i in range(7):
        await add_customer(api, tenant, node_id=tenant.root_id, name=f"Kai {i}")
    await hook.post(text_update(88, f"/start {await new_code(api, tenant.token)}"))
    # when
    await hook.post(text_update(88, "/find kai"))
    listing = hook.telegram.sent()[-1]
    keyboard = listing["reply_markup"]["inline_keyboard"]
    message_id = listing["sent_message_id"]
    await hook.post(button_update(88, keyboard[-1][0]["callback_data"], message_id=message_id))
    # then
    assert listing["text"] == '7 customers match "kai":' and len(keyboard) == 6
    assert [b["text"] for b in keyboard[-1]] == ["Next »"]
    edited = hook.telegram.sent("editMessageText")
    assert len(edited) == 1 and edited[0]["message_id"] == message_id and edited[0]["chat_id"] == 88
    assert [b["text"] for b in edited[0]["reply_markup"]["inline_keyboard"][-1]] == ["« Prev"]
    assert len(edited[0]["reply_markup"]["inline_keyboard"]) == 3


async def test_group_chats_are_refused(api: Api, tenant: Tenant, hook: Webhook) -> None:
    update = text_update(-100123, f"/start {await new_code(api, tenant.token)}")
    update["message"]["chat"]["type"] = "group"
    await hook.post(update)
    assert hook.texts() == ["I work in private chats only: a group would let everyone in it act as the "
                            "linked staff member."]
    async with api.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ChatRoute)) == 0


async def test_wrong_or_missing_secret_is_401_and_nothing_runs(hook: Webhook) -> None:
    assert (await hook.post(text_update(5, "/help"), secret="nope")).status_code == 401
    assert (await hook.post(text_update(5, "/help"), secret=None)).status_code == 401
    assert hook.telegram.sent() == []


async def test_malformed_webhook_bodies_are_400(hook: Webhook) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (b"{not json", b"[]", b"{}", b'{"update_id": "x"}', b'{"update_id": 5, "message": "bad"}'):
        resp = await hook.client.post(WEBHOOK_PATH, content=body, headers=headers)
        assert resp.status_code == 400, body
    assert hook.telegram.sent() == []


async def test_repeated_update_id_is_applied_once(api: Api, hook: Webhook) -> None:
    update = text_update(9, "/help")
    for _ in range(3):
        assert (await hook.post(update)).status_code == 200
    assert len(hook.telegram.sent()) == 1
    assert "not linked" in hook.texts()[0]
    async with api.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ChatUpdate)) == 1


async def test_long_reply_is_split_and_long_edit_truncated(hook: Webhook) -> None:
    # given
    application = hook.app.state.canopy.extras["telegram"]
    long_list = "\n".join(f"{i:05d} 名字 · Berlin" for i in range(1000))
    # when
    await send_replies(application.bot, 31, [Reply(long_list, rows(Button("Next", "pg:1:1"))),
                                             Reply("y" * 5000, edit=True)],
                       edit_message_id=42, language="zh-CN")
    # then
    sent = hook.telegram.sent()
    assert len(sent) == 5 and all(text_units(p["text"]) <= MAX_MESSAGE for p in sent)
    assert "\n".join(p["text"] for p in sent) == long_list
    assert [("reply_markup" in p) for p in sent] == [False, False, False, False, True]
    edited = hook.telegram.sent("editMessageText")[0]
    assert edited["message_id"] == 42 and len(edited["text"]) <= MAX_MESSAGE
    assert edited["text"].endswith("…（消息过长，已截断）")


async def test_non_text_message_gets_a_hint(hook: Webhook) -> None:
    update = text_update(12, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "f", "file_unique_id": "u", "type": "regular",
                                    "width": 1, "height": 1, "is_animated": False, "is_video": False}
    assert (await hook.post(update)).status_code == 200
    assert hook.texts() == ["I read text messages and buttons only. /help lists what I can do."]


async def test_long_polling_applies_updates_through_the_same_handlers(api: Api, tenant: Tenant) -> None:
    async with FakeBotApi().running() as telegram:
        # given: updates waiting at the fake Telegram, one of them delivered twice
        code = await new_code(api, tenant.token)
        link, helped = text_update(55, f"/start {code}"), text_update(55, "/help")
        telegram.pending_updates = [link, helped, helped, text_update(55, "/cancel")]
        state = AppState(settings=Settings(database_url=api.db.url, telegram_api_url=telegram.url), db=api.db)
        application = build_application(state, token=TOKEN, webhook=False)
        # when
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0)
            await telegram.wait_for_messages(4)
            await application.updater.stop()
            await application.stop()
        # then
        texts = [p["text"] for p in telegram.sent()]
        assert texts[0].startswith("Linked to Administrator") and texts[1].startswith("What I can do:")
        assert texts[2].startswith("What I can do:") and texts[3:] == ["Nothing to cancel."]
