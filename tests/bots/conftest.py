"""Fixtures for the bot: an engine on the test app, linked chats, a scripted chat."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from bots.engine import Engine
from bots.operations import fitted
from bots.replies import Incoming, Reply
from bots.telegram import WEBHOOK_PATH
from config import Settings
from db.base import new_id
from db.models.core import Role, Staff
from db.models.tree import TierNode, path_segment
from resolvers.pipeline.reminders import ReminderScheduler
from schema import build_schema
from schema.relay import decode_id, from_global_id, to_global_id
from server import create_app
from tests.bots.fake_telegram import TOKEN, FakeBotApi, button_update, text_update
from tests.conftest import Api, Tenant

LINK_CODE = "mutation { createChatLinkCode { code expiresAt errors { code message } } }"
CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } errors { field code message } } }"""
_chat_ids = itertools.count(1000)


@dataclass
class Chat:
    """One chat talking to the engine, keeping every reply it got."""

    engine: Engine
    chat_id: str
    platform: str = "console"
    language: str | None = None
    replies: list[Reply] = field(default_factory=list)

    async def send(self, text: str) -> list[Reply]:
        return await self._go(Incoming(self.platform, self.chat_id, text=text, language=self.language))

    async def press(self, data: str) -> list[Reply]:
        return await self._go(Incoming(self.platform, self.chat_id, callback=data, language=self.language))

    async def press_label(self, label: str) -> list[Reply]:
        """Press the button labelled `label` on the latest message that has one."""
        for reply in reversed(self.replies):
            for row in reply.buttons:
                for button in row:
                    if button.label == label or button.label.startswith(label):
                        return await self.press(button.data)
        raise AssertionError(f"no button {label!r} in {self.replies}")

    async def _go(self, msg: Incoming) -> list[Reply]:
        out = await self.engine.handle(msg)
        self.replies.extend(out)
        return out

    @property
    def last(self) -> str:
        return self.replies[-1].text


def needs(*operations: str) -> pytest.MarkDecorator:
    """Skip until the domains behind these operations are merged into this schema."""
    missing = [op for op in operations if op not in fitted(build_schema()._schema)]
    return pytest.mark.skipif(bool(missing), reason=f"schema lacks {missing}")


@pytest.fixture
def engine(api: Api) -> Engine:
    return Engine(api.app.state.canopy)


async def new_code(api: Api, token: str) -> str:
    data = await api.ok(LINK_CODE, token=token)
    assert data["createChatLinkCode"]["errors"] == []
    return data["createChatLinkCode"]["code"]


async def linked_chat(api: Api, engine: Engine, token: str, *, platform: str = "console") -> Chat:
    chat = Chat(engine, str(next(_chat_ids)), platform=platform)
    replies = await chat.send(f"/start {await new_code(api, token)}")
    assert "Linked to" in replies[0].text or "已绑定" in replies[0].text, replies
    return chat


async def add_staff(api: Api, tenant: Tenant, *, role: Role, node_id: int, locale: str = "en") -> str:
    """A staff member scoped to `node_id`; returns their API token."""
    token = await api.make_staff(tenant, role=role, scope_node_id=node_id)
    if locale != "en":
        email = (await api.ok("{ me { email } }", token=token))["me"]["email"]
        async with api.db.transaction(tenant_id=tenant.id) as session:
            await session.execute(update(Staff).where(Staff.email == email).values(locale=locale))
    return token


async def add_store(api: Api, tenant: Tenant, code: str, *, parent_id: int | None = None) -> int:
    """A store node under `parent_id` (default: the root), written directly for test setup."""
    async with api.db.transaction(tenant_id=tenant.id) as session:
        parent = await session.get(TierNode, (tenant.id, parent_id or tenant.root_id))
        assert parent is not None
        node_id = new_id()
        session.add(TierNode(
            tenant_id=tenant.id, id=node_id, parent_id=parent.id, code=code, name=f"Store {code}",
            kind="store", path=f"{parent.path}{path_segment(node_id)}/", depth=parent.depth + 1,
        ))
        return node_id


async def add_customer(api: Api, tenant: Tenant, *, node_id: int, name: str, **fields: Any) -> int:
    """A customer made through createCustomer as the tenant's admin (search indexes it)."""
    given = {_camel(k): v for k, v in fields.items()}
    data = await api.ok(CREATE_CUSTOMER, {"input": {"nodeId": to_global_id("TierNode", node_id), "name": name,
                                                    **given}}, token=tenant.token)
    payload = data["createCustomer"]
    assert payload["errors"] == [], payload
    parsed = from_global_id(payload["customer"]["id"])
    assert parsed is not None
    return parsed[1]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


# ---------- the webhook bot with reminders, and a staff member with work ----------

SECRET = "reminder-secret"
CREATE_TASK = """mutation($input: CreateTaskInput!) {
  createTask(input: $input) { task { id } errors { code message } } }"""
TASK = "query($id: ID!) { node(id: $id) { ... on Task { done dueAt } } }"


@dataclass
class Bot:
    telegram: FakeBotApi
    client: httpx.AsyncClient
    app: Any

    async def post(self, update: dict[str, Any]) -> None:
        resp = await self.client.post(WEBHOOK_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert resp.status_code == 200

    async def link(self, api: Api, chat_id: int, token: str) -> None:
        await self.post(text_update(chat_id, f"/start {await new_code(api, token)}"))

    def scheduler(self, api: Api, **kwargs: Any) -> ReminderScheduler:
        return ReminderScheduler(api.db, self.app.state.canopy.extras["notifier"], **kwargs)

    def reminders(self) -> list[dict[str, Any]]:
        return [p for p in self.telegram.sent() if p["text"][:1] in {"⏰", "🚨"}]

    async def press(self, chat_id: int, data: str, message: dict[str, Any] | None = None) -> None:
        await self.post(button_update(chat_id, data, message_id=(message or {}).get("sent_message_id", 1)))


@pytest.fixture
async def bot(api: Api) -> AsyncIterator[Bot]:
    """`canopy serve` with the webhook bot; no background scheduler: each test runs its passes."""
    async with FakeBotApi().running() as telegram:
        settings = Settings(database_url=api.db.url, telegram_token=TOKEN, telegram_secret=SECRET,
                            telegram_api_url=telegram.url, reminder_interval=0)
        app = create_app(settings, db=api.db, migrate_on_start=False)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                yield Bot(telegram, client, app)


@dataclass
class Staffed:
    token: str
    customer: str  # global id
    store: int


@pytest.fixture
async def sales(api: Api, tenant: Tenant) -> Staffed:
    store = await add_store(api, tenant, "DE-01")
    token = await add_staff(api, tenant, role=Role.SALES, node_id=store)
    customer = await add_customer(api, tenant, node_id=store, name="Alice Weber")
    return Staffed(token, to_global_id("Customer", customer), store)


async def add_task(api: Api, who: Staffed, title: str, minutes: float) -> int:
    due = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
    data = await api.ok(CREATE_TASK, {"input": {"title": title, "dueAt": due, "customerId": who.customer}},
                        token=who.token)
    assert data["createTask"]["errors"] == [], data
    return decode_id(data["createTask"]["task"]["id"], "Task") or 0
