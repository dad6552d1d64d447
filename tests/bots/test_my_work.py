"""/tasks and /pipeline in Telegram: the staff member's own work, in their language and time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import update

from db.models.core import Role
from db.models.tree import TierNode
from schema.relay import to_global_id
from tests.bots.conftest import Bot, Staffed, add_customer, add_staff, add_task
from tests.bots.fake_telegram import text_update
from tests.conftest import Api, Tenant
from tests.pipeline.conftest import create_opportunity

COMPLETE = "mutation($id: ID!) { completeTask(input: {id: $id}) { errors { code } } }"
PIPELINES = "{ pipelines { stages { id name rank } } }"
MOVE = "mutation($id: ID!, $s: ID!) { moveOpportunityStage(input: {id: $id, stageId: $s}) { errors { code } } }"


async def _ask(bot: Bot, chat_id: int, text: str) -> str:
    await bot.post(text_update(chat_id, text))
    return bot.telegram.sent()[-1]["text"]


def _when(due: datetime, zone: str, locale: str = "en") -> str:
    return format_datetime(due, "short", tzinfo=ZoneInfo(zone), locale=locale)


async def test_tasks_lists_open_tasks_overdue_first_in_the_store_zone(
    api: Api, tenant: Tenant, sales: Staffed, bot: Bot,
) -> None:
    # given: the store keeps Shanghai time; two open tasks, one done, one of a colleague
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(TierNode).where(TierNode.id == sales.store).values(timezone="Asia/Shanghai"))
    await add_task(api, sales, "Visit the shop", 120)
    await add_task(api, sales, "Call back", -90)
    done = await add_task(api, sales, "Finished", -30)
    await api.ok(COMPLETE, {"id": to_global_id("Task", done)}, token=sales.token)
    colleague = Staffed(await add_staff(api, tenant, role=Role.SALES, node_id=sales.store), sales.customer, sales.store)
    await add_task(api, colleague, "Not mine", -10)
    await bot.link(api, 90, sales.token)
    # when
    text = await _ask(bot, 90, "/tasks")
    # then
    tasks = (await api.ok("{ tasks(done: false) { edges { node { title dueAt } } } }", token=sales.token))["tasks"]
    due = {e["node"]["title"]: datetime.fromisoformat(e["node"]["dueAt"]) for e in tasks["edges"]}
    assert text == "\n".join([
        "Your open tasks: 2", "Overdue:", f"  • {_when(due['Call back'], 'Asia/Shanghai')} Call back · Alice Weber",
        "Coming up:", f"  • {_when(due['Visit the shop'], 'Asia/Shanghai')} Visit the shop · Alice Weber",
    ])
    assert _when(due["Call back"], "UTC") != _when(due["Call back"], "Asia/Shanghai")


async def test_tasks_and_pipeline_when_there_is_nothing(api: Api, sales: Staffed, bot: Bot) -> None:
    await bot.link(api, 91, sales.token)
    assert await _ask(bot, 91, "/tasks") == "You have no open tasks."
    assert await _ask(bot, 91, "/pipeline") == "You have no open opportunities."


async def _opportunity(api: Api, token: str, customer: str, title: str, amount: str) -> str:
    payload = await create_opportunity(api, token, customerId=customer, title=title, amount=amount, currency="EUR")
    assert payload["errors"] == [], payload
    return payload["opportunity"]["id"]


async def test_pipeline_groups_open_opportunities_by_stage(api: Api, tenant: Tenant, sales: Staffed, bot: Bot) -> None:
    # given: three of the staff member's deals, one moved a stage on; a colleague's deal
    stages: list[dict[str, Any]] = (await api.ok(PIPELINES, token=sales.token))["pipelines"][0]["stages"]
    first, second = sorted(stages, key=lambda s: s["rank"])[:2]
    await _opportunity(api, sales.token, sales.customer, "Wedding suits", "12000.50")
    await _opportunity(api, sales.token, sales.customer, "Ties", "800")
    moved = await _opportunity(api, sales.token, sales.customer, "Uniforms", "5000")
    assert (await api.ok(MOVE, {"id": moved, "s": second["id"]}, token=sales.token))["moveOpportunityStage"]["errors"] == []
    other = await add_staff(api, tenant, role=Role.SALES, node_id=sales.store)
    await _opportunity(api, other, sales.customer, "Not mine", "99")
    await bot.link(api, 92, sales.token)
    # when
    text = await _ask(bot, 92, "/pipeline")
    # then
    assert text == "\n".join([
        "Your open opportunities: 3",
        f"{first['name']} (2): €12,800.50",
        "  • Ties · Alice Weber €800.00", "  • Wedding suits · Alice Weber €12,000.50",
        f"{second['name']} (1): €5,000.00", "  • Uniforms · Alice Weber €5,000.00",
    ])


async def test_pipeline_and_help_in_chinese(api: Api, tenant: Tenant, sales: Staffed, bot: Bot) -> None:
    token = await add_staff(api, tenant, role=Role.SALES, node_id=sales.store, locale="zh-CN")
    customer = to_global_id("Customer", await add_customer(api, tenant, node_id=sales.store, name="王芳"))
    await _opportunity(api, token, customer, "西装定制", "1234567.8")
    await bot.link(api, 93, token)
    text = await _ask(bot, 93, "/pipeline")
    assert text.startswith("您的进行中商机：1\n") and "  • 西装定制 · 王芳 €1,234,567.80" in text
    helped = await _ask(bot, 93, "/help")
    assert "/tasks – 我的未完成任务（逾期的在前）\n/pipeline – 我的进行中商机（按阶段）" in helped


async def test_help_lists_the_new_commands(api: Api, sales: Staffed, bot: Bot) -> None:
    await bot.link(api, 94, sales.token)
    helped = await _ask(bot, 94, "/help")
    assert "/tasks – your open tasks, overdue first\n/pipeline – your open opportunities by stage" in helped
    menu = bot.telegram.sent("setMyCommands")[0]["commands"]
    assert [c["command"] for c in menu][6:8] == ["tasks", "pipeline"]
