"""A salesperson's three daily tasks, counted in what they send (messages and taps) from a
cold start (a linked chat, no customer in context), on the console (`canopy chat`) and on
Telegram: find a customer and see the card; read the history; log a visit. Each at most 3,
and what is logged is read back through the API."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from bots.engine import Engine
from cli.chat import Console
from db.models.core import Role
from schema.relay import to_global_id
from tests.bots.conftest import (
    Bot,
    add_customer,
    add_staff,
    add_store,
    linked_chat,
    needs,
    new_code,
)
from tests.bots.fake_telegram import text_update
from tests.conftest import Api, Tenant

MAX_STEPS = 3
INTERACTIONS = """
query($id: ID!) { node(id: $id) { ... on Customer {
  interactions(first: 20) { edges { node { kind channel summary } } } } } }"""
LOG = """mutation($input: LogInteractionInput!) { logInteraction(input: $input) { errors { code } } }"""
MATCHA = "Showed the new matcha set"


@dataclass
class Shop:
    token: str
    customer: str  # Anna Schmidt's global id


@pytest.fixture
async def shop(api: Api, tenant: Tenant) -> Shop:
    store = await add_store(api, tenant, "DE-01")
    token = await add_staff(api, tenant, role=Role.SALES, node_id=store)
    anna = await add_customer(api, tenant, node_id=store, name="Anna Schmidt", phone="+4930123456",
                              external_ref="CARD-0042")
    await add_customer(api, tenant, node_id=store, name="Anna Roth", phone="+4930999888")
    gid = to_global_id("Customer", anna)
    data = await api.ok(LOG, {"input": {"customerId": gid, "kind": "CALL", "summary": "Asked about green tea"}},
                        token=token)
    assert data["logInteraction"]["errors"] == []
    return Shop(token, gid)


async def _interactions(api: Api, shop: Shop) -> list[tuple[str, str, str]]:
    edges = (await api.ok(INTERACTIONS, {"id": shop.customer}, token=shop.token))["node"]["interactions"]["edges"]
    return sorted((e["node"]["kind"], e["node"]["channel"], e["node"]["summary"]) for e in edges)


# ---------- the console: each line typed is one step ----------

async def _console(api: Api, engine: Engine, shop: Shop, script: list[str]) -> str:
    """A freshly linked `canopy chat` console fed `script`; returns what it printed after linking."""
    out = io.StringIO()
    console = Console(engine, f"daily-{len(script)}-{hash(tuple(script))}", out)
    await console.send(f"/start {await new_code(api, shop.token)}")
    linked = len(out.getvalue())
    await console.run(io.StringIO("".join(f"{line}\n" for line in script) + "/quit\n"))
    return out.getvalue()[linked:]


@needs("FindCard", "CustomerHistory", "LogInteraction")
async def test_the_three_tasks_on_the_console(api: Api, tenant: Tenant, engine: Engine, shop: Shop) -> None:
    # find by phone, by card number (the customer's reference), by name: the card in one line
    for search in ("+49 30 123456", "CARD-0042", "Anna Schmidt"):
        script = [f"/find {search}"]
        printed = await _console(api, engine, shop, script)
        assert printed.startswith("👤 Anna Schmidt\nStore: Store DE-01 (DE-01)\nCARD-0042 · +4930123456"), printed
        assert len(script) == 1
    # read the history: find, then the History button by its name
    script = ["/find +4930123456", "history"]
    printed = await _console(api, engine, shop, script)
    assert "History of Anna Schmidt (page 1):\n💬 " in printed and "Asked about green tea" in printed
    assert len(script) == 2
    # log a visit for the customer found, confirmed with a typed "yes"
    script = ["/find +4930123456", f"/log visit {MATCHA}", "yes"]
    printed = await _console(api, engine, shop, script)
    assert f"Log this?\nVisit with Anna Schmidt:\n{MATCHA}\n[1] Confirm  [2] Cancel" in printed
    assert printed.endswith("Logged for Anna Schmidt.\n") and len(script) == MAX_STEPS
    # or named after the summary, confirmed by the button's number
    script = [f"/log visit {MATCHA} (named)", "CARD-0042", "1"]
    printed = await _console(api, engine, shop, script)
    assert printed.endswith("Logged for Anna Schmidt.\n") and len(script) == MAX_STEPS
    assert [i for i in await _interactions(api, shop) if i[1] == "console"] == [
        ("VISIT", "console", MATCHA), ("VISIT", "console", f"{MATCHA} (named)")]


# ---------- Telegram: each update posted (a message or a tap) is one step ----------

class Steps:
    """A Telegram chat through the webhook, counting what the user sends."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot, self.chat_id, self.count = bot, chat_id, 0
        self.start = len(bot.telegram.sent())

    async def send(self, text: str, language: str = "en") -> None:
        self.count += 1
        await self.bot.post(text_update(self.chat_id, text, language=language))

    async def tap(self, label: str) -> None:
        last = self.bot.telegram.sent()[-1]
        keyboard = last["reply_markup"]["inline_keyboard"]
        self.count += 1
        await self.bot.press(self.chat_id, next(b["callback_data"] for row in keyboard for b in row
                                                if b["text"] == label), last)

    def texts(self) -> list[str]:
        return [p["text"] for p in self.bot.telegram.sent()[self.start:] if p["chat_id"] == self.chat_id]


async def _telegram(api: Api, bot: Bot, shop: Shop, chat_id: int) -> Steps:
    await bot.link(api, chat_id, shop.token)
    return Steps(bot, chat_id)


@needs("FindCard", "CustomerHistory", "LogInteraction")
async def test_the_three_tasks_on_telegram(api: Api, tenant: Tenant, bot: Bot, shop: Shop) -> None:
    # find by phone, card number, name: one message each
    for chat_id, search in ((201, "+4930123456"), (202, "card-0042"), (203, "anna schmidt")):
        chat = await _telegram(api, bot, shop, chat_id)
        await chat.send(f"/find {search}")
        assert chat.texts()[-1].startswith("👤 Anna Schmidt\nStore: Store DE-01") and chat.count == 1
    # the history: find, tap History
    chat = await _telegram(api, bot, shop, 204)
    await chat.send("/find +4930123456")
    await chat.tap("History")
    assert chat.texts()[-1].startswith("History of Anna Schmidt (page 1):\n💬 ") and chat.count == 2
    # log a visit: find, /log visit <summary>, tap Confirm
    chat = await _telegram(api, bot, shop, 205)
    await chat.send("/find +4930123456")
    await chat.send(f"/log visit {MATCHA}")
    assert chat.texts()[-1] == f"Log this?\nVisit with Anna Schmidt:\n{MATCHA}"
    await chat.tap("Confirm")
    assert chat.texts()[-1] == "Logged for Anna Schmidt." and chat.count == MAX_STEPS
    # the customer named after the summary, confirmed by typing ok
    chat = await _telegram(api, bot, shop, 206)
    await chat.send("/log visit Brought the catalogue")
    await chat.send("Anna Schmidt")
    await chat.send("ok")
    assert chat.texts()[-1] == "Logged for Anna Schmidt." and chat.count == MAX_STEPS
    assert [i for i in await _interactions(api, shop) if i[1] == "telegram"] == [
        ("VISIT", "telegram", "Brought the catalogue"), ("VISIT", "telegram", MATCHA)]


# ---------- typed answers wherever buttons are offered ----------

@needs("FindCard", "LogInteraction")
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
async def test_typed_answers_press_the_buttons(api: Api, tenant: Tenant, engine: Engine, shop: Shop,
                                               locale: str) -> None:
    # given: a staff member of the store in this locale, with Anna in context
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id, locale=locale)
    chat = await linked_chat(api, engine, token)
    await chat.send("/find CARD-0042")
    kind = "visit" if locale == "en" else "拜访"
    confirm = "Confirm" if locale == "en" else "确认"
    answers = ["yes", "OK!", "确认", "好的", confirm, confirm.lower(), "1", "１", "Yes."]
    # when: each answer confirms one /log
    for i, answer in enumerate(answers):
        await chat.send(f"/log {kind} note {i}")
        assert chat.replies[-1].buttons, chat.last
        await chat.send(answer)
        assert chat.last in {"Logged for Anna Schmidt.", "已为 Anna Schmidt 记录。"}, (answer, chat.last)
    # and "no" / "取消" / the number of Cancel cancel; something else asks for a button, which still works
    for answer in ("no", "取消", "2"):
        await chat.send(f"/log {kind} never {answer}")
        await chat.send(answer)
        assert chat.last in {"Cancelled.", "已取消。"}, (answer, chat.last)
    await chat.send(f"/log {kind} kept")
    await chat.send("maybe later")
    assert chat.last.startswith(("Please tap a button above", "请点上方的按钮"))
    await chat.send("yes")
    # then: exactly the confirmed ones are logged, typed on the console
    logged = [s for k, c, s in await _interactions(api, shop) if c == "console"]
    assert sorted(logged) == sorted([f"note {i}" for i in range(len(answers))] + ["kept"])


@needs("FindCard", "LogInteraction")
async def test_log_names_the_kind_in_chinese_and_picks_a_customer_by_label(
    api: Api, tenant: Tenant, engine: Engine, shop: Shop,
) -> None:
    # given
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id, locale="zh-CN")
    chat = await linked_chat(api, engine, token, platform="telegram")
    # when: kind and summary run together, then two Annas: the one meant typed by name
    await chat.send("/log 拜访客户试了新茶具")
    assert chat.last == "哪位客户？请发送姓名、电话、邮箱或编号（或 /cancel）。"
    await chat.send("anna")
    assert sorted(b.label.split(" · ")[0] for row in chat.replies[-1].buttons for b in row) == [
        "Anna Roth", "Anna Schmidt"]
    await chat.send("anna schmidt")
    assert chat.last == "确认记录？\n与 Anna Schmidt 的拜访：\n客户试了新茶具"
    await chat.send("确认")
    # then
    assert chat.last == "已为 Anna Schmidt 记录。"
    assert ("VISIT", "telegram", "客户试了新茶具") in await _interactions(api, shop)
