"""Reminders in Telegram: due tasks and breached tickets reach the linked chat; their buttons act."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from bots.engine import Engine
from bots.notifier import with_reminders
from bots.replies import Incoming
from bots.telegram import build_application
from config import Settings
from db.models.core import Role
from db.models.service import Ticket
from db.session import statement_counter
from resolvers.pipeline.reminders import ReminderScheduler
from schema.context import AppState
from schema.relay import decode_id, to_global_id
from tests.bots.conftest import TASK, Bot, Staffed, add_staff, add_store, add_task, new_code
from tests.bots.fake_telegram import TOKEN, FakeBotApi
from tests.conftest import Api, Tenant
from tests.pipeline.test_reminders import _second_database


def _keyboard(message: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(b["text"], b["callback_data"]) for b in row] for row in message["reply_markup"]["inline_keyboard"]]


async def test_due_task_is_sent_once_and_done_completes_it(api: Api, sales: Staffed, bot: Bot) -> None:
    # given: a linked chat, a due task, one not yet due
    await bot.link(api, 77, sales.token)
    pk = await add_task(api, sales, "Call Alice back", -1)
    await add_task(api, sales, "Later", 60)
    # when
    counts = [await bot.scheduler(api).run_once() for _ in range(2)]
    # then
    assert counts == [1, 0]
    [sent] = bot.reminders()
    assert sent["chat_id"] == 77 and sent["text"].startswith("⏰ Task due ")
    assert sent["text"].endswith(": Call Alice back\nCustomer: Alice Weber")
    assert _keyboard(sent) == [[("Done", f"task:done:{pk}"), ("Snooze 1h", f"task:snooze:{pk}")]]
    # when: Done is pressed
    await bot.press(77, f"task:done:{pk}", sent)
    # then: the reminder turns into a confirmation without buttons, and the task is done
    [edit] = bot.telegram.sent("editMessageText")
    assert edit["message_id"] == sent["sent_message_id"] and edit["text"] == "✅ Done: Call Alice back"
    assert "reply_markup" not in edit
    data = await api.ok(TASK, {"id": to_global_id("Task", pk)}, token=sales.token)
    assert data["node"]["done"] is True


async def test_snooze_moves_the_task_and_it_comes_back_once(api: Api, sales: Staffed, bot: Bot) -> None:
    # given
    await bot.link(api, 78, sales.token)
    pk = await add_task(api, sales, "Send the quote", -1)
    await bot.scheduler(api).run_once()
    before = datetime.now(UTC)
    # when
    await bot.press(78, f"task:snooze:{pk}", bot.reminders()[0])
    # then
    assert bot.telegram.sent("editMessageText")[0]["text"].startswith("💤 Snoozed until ")
    due = datetime.fromisoformat((await api.ok(TASK, {"id": to_global_id("Task", pk)}))["node"]["dueAt"])
    assert before + timedelta(minutes=59) < due <= datetime.now(UTC) + timedelta(hours=1)
    now_count = await bot.scheduler(api).run_once()
    later = [await bot.scheduler(api, clock=lambda: due + timedelta(seconds=1)).run_once() for _ in range(2)]
    assert (now_count, later) == (0, [1, 0])
    assert len(bot.reminders()) == 2


async def test_breached_ticket_is_sent_with_open_button(api: Api, tenant: Tenant, sales: Staffed, bot: Bot) -> None:
    # given: a ticket assigned to a support member of the store, past its SLA
    support = await add_staff(api, tenant, role=Role.SUPPORT, node_id=sales.store)
    await bot.link(api, 79, support)
    opened = await api.ok("""mutation($c: ID!) { openTicket(input: {customerId: $c, subject: "Broken zip",
        description: "The zip of the jacket broke."}) { ticket { id number } } }""", {"c": sales.customer})
    ticket = opened["openTicket"]["ticket"]
    me = (await api.ok("{ me { id } }", token=support))["me"]["id"]
    assigned = await api.ok("mutation($id: ID!, $a: ID) { updateTicket(input: {id: $id, assigneeId: $a}) "
                            "{ errors { code message } } }", {"id": ticket["id"], "a": me})
    assert assigned["updateTicket"]["errors"] == []
    pk = decode_id(ticket["id"], "Ticket")
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(Ticket).where(Ticket.id == pk).values(
            sla_due_at=datetime.now(UTC) - timedelta(minutes=5)))
    # when
    assert await bot.scheduler(api).run_once() == 1
    [sent] = bot.reminders()
    await bot.press(79, f"ticket:open:{pk}", sent)
    # then
    assert sent["text"].startswith(f"🚨 Ticket {ticket['number']} breached its SLA (")
    assert _keyboard(sent) == [[("Open ticket", f"ticket:open:{pk}")]]
    card = bot.telegram.sent()[-1]
    assert card["text"].startswith(f"🎫 {ticket['number']} Broken zip\nOPEN, ")
    assert "SLA breached" in card["text"] and card["text"].endswith("The zip of the jacket broke.")
    assert _keyboard(card)[0][0][0] == "Customer"


async def test_two_schedulers_send_one_message(api: Api, sales: Staffed, bot: Bot) -> None:
    await bot.link(api, 80, sales.token)
    await add_task(api, sales, "Only once", -1)
    other = _second_database(api)
    try:
        notifier = bot.app.state.canopy.extras["notifier"]
        counts = await asyncio.gather(bot.scheduler(api).run_once(),
                                      ReminderScheduler(other, notifier).run_once())
    finally:
        await other.dispose()
    assert sorted(counts) == [0, 1] and len(bot.reminders()) == 1


async def test_a_button_from_another_staff_members_chat_is_refused(
    api: Api, tenant: Tenant, sales: Staffed, bot: Bot,
) -> None:
    # given: a colleague over the whole tree (the task is in their scope) and one in another store
    pk = await add_task(api, sales, "Mine", -1)
    colleague = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id)
    elsewhere = await add_staff(api, tenant, role=Role.SALES, node_id=await add_store(api, tenant, "FR-01"))
    await bot.link(api, 81, colleague)
    await bot.link(api, 82, elsewhere)
    # when
    await bot.press(81, f"task:done:{pk}")
    await bot.press(82, f"task:snooze:{pk}")
    # then
    refusal = "This is not yours to change (assigned to someone else, or outside your stores). Nothing was changed."
    assert [p["text"] for p in bot.telegram.sent()[-2:]] == [refusal, refusal]
    assert bot.telegram.sent("editMessageText") == []
    data = await api.ok(TASK, {"id": to_global_id("Task", pk)}, token=sales.token)
    assert data["node"]["done"] is False
    assert datetime.fromisoformat(data["node"]["dueAt"]) < datetime.now(UTC)


async def test_staff_without_a_linked_chat_gets_nothing(api: Api, sales: Staffed, bot: Bot) -> None:
    await add_task(api, sales, "Nobody listens", -1)
    assert await bot.scheduler(api).run_once() == 0
    assert bot.telegram.sent() == []


async def _statements(scheduler: ReminderScheduler) -> tuple[int, int]:
    box = [0]
    token = statement_counter.set(box)
    try:
        return await scheduler.run_once(), box[0]
    finally:
        statement_counter.reset(token)


async def test_statements_per_reminder_are_bounded(api: Api, sales: Staffed, bot: Bot) -> None:
    # given: a linked chat; passes with nothing, one and three reminders due
    await bot.link(api, 83, sales.token)
    _, idle = await _statements(bot.scheduler(api))
    await add_task(api, sales, "One", -1)
    _, one = await _statements(bot.scheduler(api))
    for i in range(3):
        await add_task(api, sales, f"Three {i}", -1)
    # when
    sent, three = await _statements(bot.scheduler(api))
    # then: a pass with claims marks them sent in 2 statements; each reminder then costs 3 more
    # (its claim, the staff's chats, the viewer) besides the staff's own GraphQL operation
    # (counted by the schema in its own box: these are not in `box`).
    assert sent == 3 and (idle, one, three) == (2, idle + 2 + 3, idle + 2 + 3 * 3)


async def test_polling_bot_runs_the_scheduler_and_sends_through_itself(api: Api, sales: Staffed) -> None:
    """`canopy bot telegram`: with_reminders starts the scheduler with the bot and stops it."""
    async with FakeBotApi().running() as telegram:
        # given: a Telegram chat linked to the staff member, a due task
        state = AppState(settings=Settings(database_url=api.db.url, telegram_api_url=telegram.url,
                                           reminder_interval=0.05), db=api.db)
        await Engine(state).handle(Incoming("telegram", "95", text=f"/start {await new_code(api, sales.token)}"))
        await add_task(api, sales, "Polled", -1)
        application = build_application(state, token=TOKEN, webhook=False)
        with_reminders(application, state)
        # when: what run_polling calls around polling
        async with application:
            await application.post_init(application)
            await asyncio.wait_for(telegram.wait_for_messages(1), 30)
            await application.post_stop(application)
        # then
        [sent] = telegram.sent()
        assert sent["chat_id"] == 95 and sent["text"].startswith("⏰ Task due ") and "Polled" in sent["text"]
        assert [name for name, _ in telegram.calls].count("setMyCommands") == 2
        assert "notifier" not in state.extras


async def test_reminder_in_the_staff_members_language(api: Api, tenant: Tenant, sales: Staffed, bot: Bot) -> None:
    token = await add_staff(api, tenant, role=Role.SALES, node_id=sales.store, locale="zh-CN")
    await bot.link(api, 84, token)
    pk = await add_task(api, Staffed(token, sales.customer, sales.store), "回访王女士", -1)
    await bot.scheduler(api).run_once()
    [sent] = bot.reminders()
    assert sent["text"].startswith("⏰ 任务到期 ") and sent["text"].endswith("：回访王女士\n客户：Alice Weber")
    assert _keyboard(sent) == [[("完成", f"task:done:{pk}"), ("推迟 1 小时", f"task:snooze:{pk}")]]
    # a malformed or unknown action is an old button, not an error
    for data in ("task:done:x", "task:delete:1", "ticket:open"):
        await bot.press(84, data)
    assert [p["text"] for p in bot.telegram.sent()[-3:]] == ["该按钮属于较早的消息。请用 /help 重新开始。"] * 3
