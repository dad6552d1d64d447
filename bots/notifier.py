"""Reminders into chats: the scheduler's Notifier (resolvers/reminders.py) for chat platforms.

A reminder goes to every chat of the platform linked to its staff member,
written in their language and time zone from what their own GraphQL operations
show them now (a task completed or moved out of their scope meanwhile is not sent).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from telegram import Bot

from bots.client import GraphQLClient, OperationUnavailable
from bots.i18n import Translator
from bots.pipeline import node_of
from bots.replies import Button, Reply, rows, truncate
from db.models.chat import ChatAccount
from resolvers.chat import links as chat
from resolvers.common.viewer import Viewer
from resolvers.pipeline.reminders import TASK_DUE, TICKET_SLA, ReminderMessage, start_reminders
from schema.context import AppState
from schema.relay import to_global_id

log = logging.getLogger("canopy.bots.notifier")
Send = Callable[[str, Reply], Awaitable[None]]  # (chat's external id, reminder); raises when it fails


class ChatNotifier:
    """Sends each reminder to the staff member's linked chats of one platform through `send`."""

    def __init__(self, app: AppState, platform: str, send: Send) -> None:
        self.app = app
        self.platform = platform
        self.send = send

    async def notify(self, message: ReminderMessage) -> bool:
        async with self.app.db.session(tenant_id=message.tenant_id) as session:
            chats = (await session.scalars(select(ChatAccount.external_id).where(
                ChatAccount.staff_id == message.staff_id, ChatAccount.platform == self.platform))).all()
            linked = None
            if chats:  # one staff member behind all of them: their viewer once
                linked = await chat.viewer_for_chat(session, platform=self.platform, external_id=chats[0])
        if linked is None:  # no chat, or the staff member was deactivated
            return False
        reply = await render(self.app, linked.viewer, message)
        if reply is None:
            return False
        sent = False
        for external_id in chats:
            try:
                await self.send(external_id, reply)
                sent = True
            except Exception:  # noqa: BLE001 - one blocked chat must not keep the others from it
                log.exception("reminder to %s chat %s failed", self.platform, external_id)
        return sent


async def render(app: AppState, viewer: Viewer, message: ReminderMessage) -> Reply | None:
    """The reminder as the staff member reads it; None when it no longer applies to them."""
    api, t = GraphQLClient(app, viewer), Translator(viewer.locale)
    buttons = rows(*(Button(_label(t, b.data, b.label), b.data) for b in message.buttons), per_row=2)
    try:
        if message.kind == TASK_DUE:
            data = await api.run("TaskCard", id=to_global_id("Task", message.target_id))
            t.use_zone(data)
            task = node_of(data, "Task")
            if task is None or task["done"]:
                return None
            customer = (task.get("customer") or {}).get("name", "-")
            return Reply(t("remind.task", title=task["title"], when=t.when(task["dueAt"]), customer=customer),
                         buttons)
        if message.kind == TICKET_SLA:
            data = await api.run("TicketCard", id=to_global_id("Ticket", message.target_id))
            t.use_zone(data)
            ticket = node_of(data, "Ticket")
            if ticket is None:
                return None
            return Reply(t("remind.ticket", number=ticket["number"], subject=ticket["subject"],
                           when=t.when(ticket["slaDueAt"]), customer=ticket["customer"]["name"]), buttons)
    except OperationUnavailable:
        pass
    return Reply(message.text, buttons)  # a kind (or a schema) the bot has no words for: as made


def _label(t: Translator, data: str, default: str) -> str:
    """"task:done:42" -> the text of "button.task_done" in the reader's language."""
    key = "button." + "_".join(data.split(":")[:2])
    text = t(key)
    return default if text == key else text


class TelegramNotifier(ChatNotifier):
    def __init__(self, app: AppState, bot: Bot) -> None:
        from bots.telegram import MAX_MESSAGE, PLATFORM, markup

        async def send(external_id: str, reply: Reply) -> None:
            text = truncate(reply.text, MAX_MESSAGE, "…")
            await bot.send_message(int(external_id), text, reply_markup=markup(reply))

        super().__init__(app, PLATFORM, send)


def with_reminders(application: Any, state: AppState) -> None:
    """Long polling: reminders go out through this bot while it runs (`canopy bot telegram`)."""
    before, scheduler = application.post_init, None

    async def start(app: Any) -> None:
        nonlocal scheduler
        if before is not None:
            await before(app)
        state.extras["notifier"] = TelegramNotifier(state, app.bot)
        scheduler = start_reminders(state)

    async def stop(_app: Any) -> None:
        if scheduler is not None:
            await scheduler.stop()
        state.extras.pop("notifier", None)

    application.post_init, application.post_stop = start, stop
