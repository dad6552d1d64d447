"""Reminders: tasks that became due reach their assignee once, however many schedulers run.

Each scheduler claims a reminder by inserting its row under a unique key
(tenant, kind, target, due_at) with ON CONFLICT DO NOTHING RETURNING: only the
instance whose insert returned the row delivers it. The claim commits before
delivery, so a crash between the two loses that reminder rather than sending it
twice (at most once; `reminder.sent_at` stays null to show it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, select, update

from db.base import new_id, utcnow
from db.models.core import Staff
from db.models.customers import Customer
from db.models.pipeline import Opportunity, Reminder, Task
from db.models.service import Ticket
from db.session import Database
from db.upsert import insert_for
from resolvers.service.tickets import UNRESOLVED

log = logging.getLogger("canopy.reminders")
BATCH = 200
# Tasks overdue for longer (e.g. created late, or while no scheduler ran) get no reminder:
# it keeps each pass an index range instead of a scan of every task ever left undone.
LOOKBACK = timedelta(days=7)
TASK_DUE = "task_due"
TICKET_SLA = "ticket_sla"


@dataclass(frozen=True)
class ReminderButton:
    """A button under the reminder; `data` is what the chat adapter gets back when pressed."""

    label: str
    data: str


@dataclass(frozen=True)
class ReminderMessage:
    tenant_id: int
    staff_id: int
    kind: str
    target_id: int
    text: str
    buttons: tuple[ReminderButton, ...] = ()


class Notifier(Protocol):
    """Delivers a reminder to a staff member; False when they have nowhere to receive it."""

    async def notify(self, message: ReminderMessage) -> bool: ...


@dataclass
class MemoryNotifier:
    """Keeps what it was asked to send (tests, and `canopy serve` without a chat platform)."""

    sent: list[ReminderMessage] = field(default_factory=list)

    async def notify(self, message: ReminderMessage) -> bool:
        self.sent.append(message)
        return True


@dataclass
class LogNotifier:
    """The default without a chat platform (`canopy serve` alone): each reminder becomes a DEBUG
    line of `canopy.reminders` naming the task or ticket, customer and staff member as people read
    them, not by internal id. Nobody received it, so it counts as not delivered; below DEBUG the
    references are not even looked up."""

    db: Database

    async def notify(self, message: ReminderMessage) -> bool:
        if log.isEnabledFor(logging.DEBUG):
            refs = await self._references(message)
            log.debug("reminder: %s for %s (customer %s)", refs["about"], refs["staff"], refs["customer"],
                      extra={"reminder": message.kind, **refs})
        return False

    async def _references(self, message: ReminderMessage) -> dict[str, str]:
        key = message.tenant_id
        customer_id: int | None = None
        async with self.db.session(tenant_id=key) as session:
            staff = await session.get(Staff, (key, message.staff_id))
            about = message.text
            if message.kind == TASK_DUE and (task := await session.get(Task, (key, message.target_id))):
                about, customer_id = f"task {task.title!r} due {task.due_at:%Y-%m-%d %H:%M} UTC", task.customer_id
                if customer_id is None and task.opportunity_id is not None:
                    customer_id = await session.scalar(select(Opportunity.customer_id).where(
                        Opportunity.id == task.opportunity_id))
            elif message.kind == TICKET_SLA and (ticket := await session.get(Ticket, (key, message.target_id))):
                about, customer_id = f"ticket {ticket.number} past its SLA", ticket.customer_id
            customer = await session.get(Customer, (key, customer_id)) if customer_id is not None else None
        return {
            "about": about,
            "staff": f"{staff.name} <{staff.email}>" if staff else "a staff member no longer there",
            # the customer's own reference when it has one, else the name staff know them by
            "customer": (customer.external_ref or customer.name) if customer else "-",
        }


def task_message(tenant_id: int, task_id: int, staff_id: int, title: str, due_at: datetime) -> ReminderMessage:
    return ReminderMessage(
        tenant_id=tenant_id, staff_id=staff_id, kind=TASK_DUE, target_id=task_id,
        text=f"Task due {due_at:%Y-%m-%d %H:%M} UTC: {title}",
        buttons=(ReminderButton("Done", f"task:done:{task_id}"),
                 ReminderButton("Snooze 1h", f"task:snooze:{task_id}")),
    )


@dataclass(frozen=True)
class Source:
    """What becomes due: rows of `model` whose `due` time passed, for the staff in `staff`."""

    kind: str
    model: Any
    due: Any
    staff: Any
    conditions: Callable[[], list[Any]]
    details: tuple[Any, ...]
    # (tenant_id, target_id, staff_id, due_at, *details) -> the message
    message: Callable[..., ReminderMessage]


def ticket_message(
    tenant_id: int, ticket_id: int, staff_id: int, due_at: datetime, number: str, subject: str,
) -> ReminderMessage:
    return ReminderMessage(
        tenant_id=tenant_id, staff_id=staff_id, kind=TICKET_SLA, target_id=ticket_id,
        text=f"Ticket {number} breached its SLA ({due_at:%Y-%m-%d %H:%M} UTC): {subject}",
        buttons=(ReminderButton("Open ticket", f"ticket:open:{ticket_id}"),),
    )


SOURCES: list[Source] = [
    Source(kind=TASK_DUE, model=Task, due=Task.due_at, staff=Task.assignee_id,
           conditions=lambda: [Task.done_at.is_(None)], details=(Task.title,),
           message=lambda tenant_id, task_id, staff_id, due_at, title: task_message(
               tenant_id, task_id, staff_id, title, due_at)),
    # A ticket breaches when it is still unresolved at its SLA time (resolvers.service.tickets).
    Source(kind=TICKET_SLA, model=Ticket, due=Ticket.sla_due_at, staff=Ticket.assignee_id,
           conditions=lambda: [Ticket.assignee_id.is_not(None), Ticket.resolved_at.is_(None),
                               Ticket.status.in_(UNRESOLVED)],
           details=(Ticket.number, Ticket.subject), message=ticket_message),
]


class ReminderScheduler:
    """Finds what became due, claims its reminder in the database, delivers what it claimed."""

    def __init__(
        self, db: Database, notifier: Notifier, *, interval: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """One pass over every tenant; returns how many reminders this instance delivered."""
        now = self.clock()
        claimed = await self._claim(now)
        delivered: list[int] = []
        for reminder_id, message in claimed:
            try:
                if await self.notifier.notify(message):
                    delivered.append(reminder_id)
            except Exception:  # noqa: BLE001 - one failed delivery must not stop the others
                log.exception("reminder %s for staff %s failed", reminder_id, message.staff_id)
        if claimed:
            async with self.db.transaction(all_tenants=True) as session:
                await session.execute(
                    update(Reminder).where(Reminder.id.in_([rid for rid, _ in claimed]))
                    .values(sent_at=now).execution_options(synchronize_session=False)
                )
                if delivered:
                    await session.execute(
                        update(Reminder).where(Reminder.id.in_(delivered))
                        .values(delivered=True).execution_options(synchronize_session=False)
                    )
        return len(delivered)

    async def _claim(self, now: datetime) -> list[tuple[int, ReminderMessage]]:
        claimed: list[tuple[int, ReminderMessage]] = []
        async with self.db.transaction(all_tenants=True) as session:
            for source in SOURCES:
                for row in (await session.execute(_due(source, now))).all():
                    tenant_id, target_id, staff_id, due_at = row[:4]
                    reminder_id = (await session.execute(
                        insert_for(session, Reminder)
                        .values(tenant_id=tenant_id, id=new_id(), kind=source.kind, target_id=target_id,
                                due_at=due_at, staff_id=staff_id, claimed_at=now, delivered=False)
                        .on_conflict_do_nothing(index_elements=["tenant_id", "kind", "target_id", "due_at"])
                        .returning(Reminder.id)
                    )).scalar_one_or_none()
                    if reminder_id is not None:
                        claimed.append((reminder_id, source.message(*row)))
        return claimed

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive across database hiccups
                log.exception("reminder pass failed")
            await asyncio.sleep(self.interval)

    def start(self) -> ReminderScheduler:
        self._task = asyncio.create_task(self.run_forever(), name="canopy-reminders")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _due(source: Source, now: datetime) -> Any:
    """Due and not yet reminded at this due time, oldest first; same order in every
    scheduler so that concurrent claims on PostgreSQL wait on each other, never deadlock."""
    model = source.model
    reminded = exists().where(and_(
        Reminder.tenant_id == model.tenant_id, Reminder.kind == source.kind,
        Reminder.target_id == model.id, Reminder.due_at == source.due,
    ))
    return (
        select(model.tenant_id, model.id, source.staff, source.due, *source.details)
        .where(source.due <= now, source.due > now - LOOKBACK, *source.conditions(), ~reminded)
        .order_by(source.due, model.tenant_id, model.id).limit(BATCH)
    )


def start_reminders(state: Any) -> ReminderScheduler | None:
    """Start the scheduler for an app (server lifespan, bot polling); None when disabled."""
    interval = state.settings.reminder_interval
    if interval <= 0:
        return None
    notifier = state.extras.get("notifier") or LogNotifier(state.db)
    return ReminderScheduler(state.db, notifier, interval=interval).start()
