"""Reminders: a due task is reminded exactly once, even with several schedulers at once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.models.core import Staff
from db.models.pipeline import Reminder
from db.models.service import Ticket
from db.session import Database
from resolvers.pipeline.reminders import (
    LogNotifier,
    MemoryNotifier,
    ReminderMessage,
    ReminderScheduler,
    start_reminders,
)
from schema.relay import decode_id, to_global_id
from tests import conftest as root
from tests.conftest import Api
from tests.pipeline.conftest import Shop

CREATE = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } errors { code } } }"""
COMPLETE = "mutation($id: ID!) { completeTask(input: {id: $id}) { errors { code } } }"
SNOOZE = "mutation($id: ID!, $due: DateTime!) { snoozeTask(input: {id: $id, dueAt: $due}) { errors { code } } }"


def _in(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def _task(api: Api, shop: Shop, title: str, minutes: float, assignee: str | None = None) -> str:
    data = await api.ok(CREATE, {"input": {
        "title": title, "dueAt": _in(minutes).isoformat(), "customerId": shop.customers["S1"],
        "assigneeId": assignee or shop.s1_id,
    }})
    return data["createTask"]["task"]["id"]


def _second_database(api: Api) -> Database:
    """Another engine on the same database, as a second server process would have."""
    if api.db.dialect == "sqlite":
        return Database(api.db.url)
    return root._pg_database(root._prepared["pg"])


async def _reminders(api: Api) -> list[Reminder]:
    async with api.db.session(all_tenants=True) as session:
        return list((await session.scalars(select(Reminder))).all())


async def test_a_due_task_is_reminded_exactly_once(api: Api, shop: Shop) -> None:
    # given
    due = await _task(api, shop, "Call Mrs Smith", -1)
    await _task(api, shop, "Not yet", 60)
    finished = await _task(api, shop, "Already done", -5)
    await _task(api, shop, "Long forgotten", -8 * 24 * 60)
    await api.ok(COMPLETE, {"id": finished})
    notifier = MemoryNotifier()
    scheduler = ReminderScheduler(api.db, notifier)
    # when
    first = await scheduler.run_once()
    second = await scheduler.run_once()
    # then
    assert (first, second) == (1, 0)
    [message] = notifier.sent
    task_pk = decode_id(due, "Task")
    assert message.target_id == task_pk and message.kind == "task_due"
    assert message.staff_id == decode_id(shop.s1_id, "Staff") and "Call Mrs Smith" in message.text
    assert [b.data for b in message.buttons] == [f"task:done:{task_pk}", f"task:snooze:{task_pk}"]
    [row] = await _reminders(api)
    assert row.target_id == task_pk and row.sent_at is not None and row.delivered is True


async def test_a_snoozed_task_is_reminded_again_at_its_new_time(api: Api, shop: Shop) -> None:
    # given
    task = await _task(api, shop, "Follow up", -1)
    notifier = MemoryNotifier()
    await ReminderScheduler(api.db, notifier).run_once()
    await api.ok(SNOOZE, {"id": task, "due": _in(30).isoformat()})
    # when
    now_count = await ReminderScheduler(api.db, notifier).run_once()
    later_count = await ReminderScheduler(api.db, notifier, clock=lambda: _in(31)).run_once()
    # then
    assert (now_count, later_count) == (0, 1)
    assert len(notifier.sent) == 2 and len(await _reminders(api)) == 2


async def test_concurrent_schedulers_send_each_reminder_once(api: Api, shop: Shop) -> None:
    # given
    for i in range(12):
        await _task(api, shop, f"Task {i}", -i - 1, assignee=shop.sales_id if i % 2 else shop.s1_id)
    other = _second_database(api)
    notifiers = [MemoryNotifier() for _ in range(4)]
    schedulers = [ReminderScheduler(db, n) for db, n in zip([api.db, other, api.db, other], notifiers,
                                                              strict=True)]
    try:
        # when
        counts = await asyncio.gather(*(s.run_once() for s in schedulers))
        again = await asyncio.gather(*(s.run_once() for s in schedulers))
    finally:
        await other.dispose()
    # then
    sent = [m.target_id for n in notifiers for m in n.sent]
    assert sum(counts) == 12 and sum(again) == 0
    assert len(sent) == len(set(sent)) == 12
    assert len(await _reminders(api)) == 12


async def test_a_failing_delivery_is_not_retried_and_others_go_out(api: Api, shop: Shop) -> None:
    # given
    await _task(api, shop, "First", -2)
    await _task(api, shop, "Second", -1)

    class Flaky(MemoryNotifier):
        async def notify(self, message: ReminderMessage) -> bool:
            if message.text.endswith("First"):
                raise ConnectionError("chat platform down")
            return await super().notify(message)

    notifier = Flaky()
    # when
    delivered = await ReminderScheduler(api.db, notifier).run_once()
    # then
    assert delivered == 1 and [m.text.rsplit(": ", 1)[1] for m in notifier.sent] == ["Second"]
    rows = sorted(await _reminders(api), key=lambda r: r.due_at)
    assert [(r.sent_at is not None, r.delivered) for r in rows] == [(True, False), (True, True)]


async def test_without_a_chat_bot_reminders_are_debug_lines_naming_things_readably(
    api: Api, shop: Shop, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a due task of S1's salesperson and a breached ticket of the admin, and no chat bot
    task = decode_id(await _task(api, shop, "Call Mrs Smith", -1), "Task")
    ticket, number = await _ticket(api, shop, shop.admin_id, 5)
    async with api.db.session(tenant_id=shop.tenant.id) as session:
        s1 = await session.get(Staff, (shop.tenant.id, decode_id(shop.s1_id, "Staff")))
        admin = await session.get(Staff, (shop.tenant.id, decode_id(shop.admin_id, "Staff")))
        assert s1 is not None and admin is not None
    monkeypatch.setattr(logging.getLogger("canopy"), "propagate", True)  # `canopy serve` may have set it off
    caplog.set_level(logging.DEBUG, logger="canopy.reminders")
    scheduler = start_reminders(replace(api.app.state.canopy, extras={}))
    assert scheduler is not None and isinstance(scheduler.notifier, LogNotifier)
    await scheduler.stop()
    # when
    delivered = await ReminderScheduler(api.db, scheduler.notifier).run_once()
    # then: nothing reached anyone, nothing was printed, two DEBUG lines say who and what
    assert delivered == 0
    assert capsys.readouterr() == ("", "")
    records = sorted((r for r in caplog.records if r.name == "canopy.reminders"), key=lambda r: r.reminder)
    assert [(r.levelno, r.reminder) for r in records] == [(logging.DEBUG, "task_due"), (logging.DEBUG, "ticket_sla")]
    task_line, ticket_line = (r.getMessage() for r in records)
    assert "task 'Call Mrs Smith' due" in task_line and f"<{s1.email}>" in task_line
    assert s1.name in task_line and "(customer Customer S1)" in task_line
    assert f"ticket {number} past its SLA" in ticket_line and f"{admin.name} <{admin.email}>" in ticket_line
    logged = " ".join(f"{r.getMessage()} {r.about} {r.staff} {r.customer}" for r in records)
    for internal in (task, ticket, s1.id, admin.id, shop.tenant.id):
        assert str(internal) not in logged
    assert [r.delivered for r in await _reminders(api)] == [False, False]


async def test_below_debug_the_log_notifier_looks_nothing_up(
    api: Api, shop: Shop, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    await _task(api, shop, "Quiet", -1)
    monkeypatch.setattr(logging.getLogger("canopy"), "propagate", True)
    caplog.set_level(logging.INFO, logger="canopy.reminders")
    looked_up: list[ReminderMessage] = []

    async def references(_self: LogNotifier, message: ReminderMessage) -> dict[str, str]:
        looked_up.append(message)
        return {"about": "", "staff": "", "customer": ""}

    monkeypatch.setattr(LogNotifier, "_references", references)
    # when
    delivered = await ReminderScheduler(api.db, LogNotifier(api.db)).run_once()
    # then: the reminder was claimed, but neither logged nor looked up
    assert delivered == 0 and looked_up == [] and len(await _reminders(api)) == 1
    assert not [r for r in caplog.records if r.name == "canopy.reminders"]


async def test_started_scheduler_delivers_and_stops(api: Api, shop: Shop) -> None:
    # given
    await _task(api, shop, "Started", -1)
    arrived = asyncio.Event()

    class Signalling(MemoryNotifier):
        async def notify(self, message: ReminderMessage) -> bool:
            arrived.set()
            return await super().notify(message)

    state = api.app.state.canopy
    state.extras["notifier"] = notifier = Signalling()
    # when
    scheduler = start_reminders(state)
    assert scheduler is not None
    await arrived.wait()
    await scheduler.stop()
    # then
    assert [m.text.rsplit(": ", 1)[1] for m in notifier.sent] == ["Started"]
    state_off = type(state)(settings=replace(state.settings, reminder_interval=0), db=api.db)
    assert start_reminders(state_off) is None


OPEN_TICKET = """
mutation($customer: ID!) {
  openTicket(input: {customerId: $customer, subject: "Broken zip", description: "d"}) { ticket { id number } }
}"""
ASSIGN = "mutation($id: ID!, $a: ID) { updateTicket(input: {id: $id, assigneeId: $a}) { errors { code } } }"
RESOLVE = "mutation($id: ID!) { updateTicket(input: {id: $id, status: RESOLVED}) { errors { code } } }"


async def _ticket(api: Api, shop: Shop, assignee: str | None, overdue_minutes: float) -> tuple[int, str]:
    ticket = (await api.ok(OPEN_TICKET, {"customer": shop.customers["S1"]}))["openTicket"]["ticket"]
    if assignee:
        assert (await api.ok(ASSIGN, {"id": ticket["id"], "a": assignee}))["updateTicket"]["errors"] == []
    pk = decode_id(ticket["id"], "Ticket")
    async with api.db.transaction(tenant_id=shop.tenant.id) as session:
        await session.execute(update(Ticket).where(Ticket.id == pk).values(sla_due_at=_in(-overdue_minutes)))
    return pk, ticket["number"]


async def test_a_breached_ticket_is_reminded_once_to_its_assignee(api: Api, shop: Shop) -> None:
    # given
    breached, number = await _ticket(api, shop, shop.admin_id, 5)
    await _ticket(api, shop, None, 5)  # nobody to remind
    await _ticket(api, shop, shop.admin_id, -60)  # not yet breached
    resolved, _ = await _ticket(api, shop, shop.admin_id, 5)
    assert (await api.ok(RESOLVE, {"id": to_global_id("Ticket", resolved)}))["updateTicket"]["errors"] == []
    notifier = MemoryNotifier()
    # when
    counts = [await ReminderScheduler(api.db, notifier).run_once() for _ in range(2)]
    # then
    assert counts == [1, 0]
    [message] = notifier.sent
    assert (message.kind, message.target_id) == ("ticket_sla", breached)
    assert message.staff_id == decode_id(shop.admin_id, "Staff") and number in message.text
    assert [b.data for b in message.buttons] == [f"ticket:open:{breached}"]
