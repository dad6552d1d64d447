"""`canopy chat` (a terminal chat with the bot engine), `canopy chat link`, `canopy bot telegram`
(long polling, with the reminder scheduler sending through the bot)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any, TextIO

from sqlalchemy import select

from bots.client import GraphQLClient
from bots.engine import Engine
from bots.replies import Incoming, Reply
from config import Settings
from db.migrate import migrate
from db.models.core import Staff, Tenant
from db.models.tree import TierNode
from db.session import Database
from resolvers.common.viewer import Viewer
from resolvers.core.auth import viewer_of
from schema.context import AppState

PLATFORM = "console"


def register(sub: Any) -> None:
    from cli.main import run_async, tenant_option

    chat = sub.add_parser("chat", help="chat with the bot engine in the terminal (stdin, /quit ends)")
    chat.add_argument("--email", help="the staff member to chat as")
    tenant_option(chat, help="tenant slug, when the email exists in several tenants (default: CANOPY_TENANT)")
    chat.set_defaults(func=run_async(console_chat), parser=chat)
    chat.description = "Without an action: chat in the terminal as --email. With `link`: a Telegram link code."
    actions = chat.add_subparsers(dest="chat_action", metavar="[ACTION]", title="optional action")
    link = actions.add_parser("link", help="print a one-time code to send to the bot: /start CODE")
    link.add_argument("--email", required=True)
    tenant_option(link, help="tenant slug, when the email exists in several tenants (default: CANOPY_TENANT)")
    link.set_defaults(func=run_async(link_code))

    bot = sub.add_parser("bot", help="run a chat bot").add_subparsers(dest="platform", required=True)
    telegram = bot.add_parser("telegram", help="run the Telegram bot by long polling, with reminders (CANOPY_TELEGRAM_TOKEN)")
    telegram.set_defaults(func=telegram_polling)


async def staff_viewer(db: Database, email: str, tenant_slug: str | None) -> Viewer:
    """The viewer for a staff member named on the command line."""
    from cli.main import GIVE_TENANT, MissingData, UserFacingError

    async with db.session(all_tenants=True) as session:
        stmt = (
            select(Staff, TierNode.path, Tenant.reporting_currency)
            .join(Tenant, Tenant.id == Staff.tenant_id)
            .join(TierNode, (TierNode.tenant_id == Staff.tenant_id) & (TierNode.id == Staff.scope_node_id))
            .where(Staff.email == email.strip().lower(), Staff.active.is_(True))
        )
        if tenant_slug:
            stmt = stmt.where(Tenant.slug == tenant_slug)
        found = (await session.execute(stmt)).all()
    if not found:
        raise MissingData(f"no active staff member with email {email}")
    if len(found) > 1:
        raise UserFacingError(f"this email exists in several tenants: {GIVE_TENANT}")
    staff, scope_path, reporting = found[0]
    return viewer_of(staff, scope_path, reporting_currency=reporting)


async def _new_code(app: AppState, viewer: Viewer) -> str:
    """A link code made through the GraphQL API, as the web would."""
    from cli.main import UserFacingError

    payload = (await GraphQLClient(app, viewer).run("CreateChatLinkCode"))["createChatLinkCode"]
    if payload["errors"]:
        raise UserFacingError(payload["errors"][0]["message"])
    return payload["code"]


async def link_code(args: argparse.Namespace, settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db)
        app = AppState(settings=settings, db=db)
        code = await _new_code(app, await staff_viewer(db, args.email, args.tenant))
    finally:
        await db.dispose()
    print(code)
    print(f"Send `/start {code}` to the bot within 10 minutes; the code works once.", file=sys.stderr)


async def console_chat(args: argparse.Namespace, settings: Settings) -> None:
    if not args.email:
        args.parser.error("--email is required")
    db = Database(settings.database_url)
    try:
        await migrate(db)
        app = AppState(settings=settings, db=db)
        viewer = await staff_viewer(db, args.email, args.tenant)
        console = Console(Engine(app), f"{viewer.tenant_id}:{viewer.staff_id}", sys.stdout)
        if not await console.linked_as(viewer):
            await console.send(f"/start {await _new_code(app, viewer)}")
        await console.run(sys.stdin)
    finally:
        await db.dispose()


class Console:
    """The console adapter: lines in, replies out; buttons become numbered choices, which the
    engine takes by number or label like any typed answer (bots/answers.py)."""

    def __init__(self, engine: Engine, chat_id: str, out: TextIO) -> None:
        self.engine = engine
        self.chat_id = chat_id
        self.out = out

    async def linked_as(self, viewer: Viewer) -> bool:
        from resolvers.chat.links import viewer_for_chat

        async with self.engine.app.db.session(tenant_id=viewer.tenant_id) as session:
            linked = await viewer_for_chat(session, platform=PLATFORM, external_id=self.chat_id)
        return linked is not None and linked.viewer.staff_id == viewer.staff_id

    async def run(self, lines: TextIO) -> None:
        while True:
            line = await asyncio.to_thread(lines.readline)
            if not line or line.strip() == "/quit":
                return
            text = line.rstrip("\n")
            if text.strip():
                await self.send(text)

    async def send(self, text: str) -> None:
        self._show(await self.engine.handle(Incoming(PLATFORM, self.chat_id, text=text)))

    async def press(self, data: str) -> None:
        self._show(await self.engine.handle(Incoming(PLATFORM, self.chat_id, callback=data)))

    def _show(self, replies: list[Reply]) -> None:
        for reply in replies:
            print(("↻ " if reply.edit else "") + reply.text, file=self.out)
            buttons = [b for row in reply.buttons for b in row]
            if buttons:
                print("  ".join(f"[{i}] {b.label}" for i, b in enumerate(buttons, start=1)), file=self.out)
        self.out.flush()


def telegram_polling(_args: argparse.Namespace) -> None:
    from bots.notifier import with_reminders
    from bots.telegram import build_application
    from cli.main import UserFacingError, require_database

    settings = Settings.from_env()
    if not settings.telegram_token:
        raise UserFacingError("set CANOPY_TELEGRAM_TOKEN to the token @BotFather gave you")
    require_database(settings.database_url)
    logging.getLogger("canopy").setLevel(logging.INFO)
    db = Database(settings.database_url)

    async def prepare() -> None:
        await migrate(db)
        await db.dispose()  # the pool must not carry connections into run_polling's loop

    asyncio.run(prepare())
    state = AppState(settings=settings, db=db)
    application = build_application(state, token=settings.telegram_token, webhook=False)
    with_reminders(application, state)  # due tasks and breached tickets arrive in the linked chats

    async def dispose(_application: Any) -> None:
        await db.dispose()

    application.post_shutdown = dispose
    application.run_polling(allowed_updates=["message", "callback_query"])
