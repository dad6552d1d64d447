"""Telegram adapter: python-telegram-bot 22 in front of the engine (long polling or webhook)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bots.engine import Engine
from bots.i18n import Translator
from bots.replies import Incoming, Reply, split_text, truncate
from db.base import utcnow
from db.models.chat import ChatUpdate
from schema.context import AppState

log = logging.getLogger("canopy.bots.telegram")
PLATFORM = "telegram"
MAX_MESSAGE = 4096  # Telegram's limit for a message's text
# Telegram redelivers an update for at most a day; older ids need not be remembered.
UPDATE_MEMORY = timedelta(days=2)
WEBHOOK_PATH = "/bots/telegram/webhook"
MENU = ["find", "customer", "history", "log", "ticket", "points", "tasks", "pipeline", "cancel", "help"]


def build_application(app: AppState, *, token: str, webhook: bool) -> Application:
    """A PTB Application wired to the engine; `webhook` leaves out the polling updater."""
    builder = Application.builder().token(token)
    if app.settings.telegram_api_url:
        builder = builder.base_url(app.settings.telegram_api_url)
    if webhook:
        builder = builder.updater(None)
    application = builder.build()
    adapter = TelegramAdapter(app, bot_key=token.split(":", 1)[0])
    application.add_handler(TypeHandler(Update, adapter.once), group=-1)
    application.add_handler(CallbackQueryHandler(adapter.on_button))
    application.add_handler(MessageHandler(filters.TEXT, adapter.on_text))
    application.add_handler(MessageHandler(filters.ALL, adapter.on_other))
    application.add_error_handler(adapter.on_error)
    if not webhook:
        application.post_init = lambda app: register_commands(app.bot)
    return application


class TelegramAdapter:
    def __init__(self, app: AppState, *, bot_key: str) -> None:
        self.app = app
        self.engine = Engine(app)
        self.bot_key = bot_key

    async def once(self, update: Update, _ctx: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop a redelivered update here: each update_id is applied once, in any process."""
        async with self.app.db.session() as session:
            try:
                session.add(ChatUpdate(bot=self.bot_key, update_id=update.update_id))
                await session.execute(delete(ChatUpdate).where(
                    ChatUpdate.bot == self.bot_key, ChatUpdate.received_at < utcnow() - UPDATE_MEMORY))
                await session.commit()
            except IntegrityError:
                log.info("update %s seen before: skipped", update.update_id)
                raise ApplicationHandlerStop() from None

    async def on_text(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        msg, chat = update.effective_message, update.effective_chat
        if msg is None or chat is None:
            return
        if chat.type != ChatType.PRIVATE:
            await ctx.bot.send_message(chat.id, Translator(_language(update))("error.private_only"))
            return
        replies = await self.engine.handle(Incoming(PLATFORM, str(chat.id), text=msg.text,
                                                    language=_language(update)))
        await send_replies(ctx.bot, chat.id, replies, edit_message_id=None, language=_language(update))

    async def on_button(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        await query.answer()
        if chat.type != ChatType.PRIVATE:
            return
        replies = await self.engine.handle(Incoming(PLATFORM, str(chat.id), callback=query.data or "",
                                                    language=_language(update)))
        message_id = query.message.message_id if query.message else None
        await send_replies(ctx.bot, chat.id, replies, edit_message_id=message_id, language=_language(update))

    async def on_other(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, stickers, files: say what the bot reads instead of staying silent."""
        chat = update.effective_chat
        if chat is not None and update.effective_message is not None:
            await ctx.bot.send_message(chat.id, Translator(_language(update))("error.text_only"))

    async def on_error(self, update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram handler failed", exc_info=ctx.error)


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply], *,
                       edit_message_id: int | None, language: str | None) -> None:
    """Send the engine's replies: long texts split (edits truncated) to Telegram's 4096 limit."""
    note = Translator(language)("message.truncated")
    for reply in replies:
        keyboard = markup(reply)
        if reply.edit and edit_message_id is not None:
            try:
                await bot.edit_message_text(truncate(reply.text, MAX_MESSAGE, note), chat_id=chat_id,
                                            message_id=edit_message_id, reply_markup=keyboard)
                continue
            except BadRequest as exc:  # too old to edit, or unchanged: send it anew
                log.info("edit failed (%s): sending a new message", exc.message)
        pieces = split_text(reply.text, MAX_MESSAGE)
        for i, piece in enumerate(pieces):
            try:
                await bot.send_message(chat_id, piece, reply_markup=keyboard if i == len(pieces) - 1 else None)
            except TelegramError:
                log.exception("could not send a reply to chat %s", chat_id)
                return


async def register_commands(bot: Bot) -> None:
    """The command menu Telegram shows, in English and Chinese (from the /help catalog)."""
    for language in (None, "zh"):
        t = Translator(language)
        commands = [BotCommand(name, t(f"help.{name}").split(" – ", 1)[-1][:256]) for name in MENU]
        await bot.set_my_commands(commands, language_code=language)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in reply.buttons])


def _language(update: Update) -> str | None:
    user = update.effective_user
    return user.language_code if user else None


# ---------- webhook mode, inside `canopy serve` ----------

async def webhook(request: Request) -> Response:
    """Telegram posts updates here; the secret header proves it is Telegram."""
    state: AppState = request.app.state.canopy
    application: Application | None = state.extras.get("telegram")
    secret = state.settings.telegram_secret
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return Response("unauthorized", status_code=401)
    if application is None:
        return Response("the Telegram bot is not running", status_code=503)
    try:
        update = Update.de_json(await request.json(), application.bot)
    except (ValueError, TypeError, AttributeError, KeyError):
        update = None
    if update is None or not isinstance(update.update_id, int):
        return Response("not a Telegram update", status_code=400)
    # Handled before answering: a retry Telegram sends meanwhile finds the update id taken.
    await application.process_update(update)
    return Response(status_code=200)


WEBHOOK_ROUTE = Route(WEBHOOK_PATH, webhook, methods=["POST"])


@asynccontextmanager
async def webhook_bot(state: AppState) -> AsyncIterator[None]:
    """Runs the webhook bot for the app's lifetime when CANOPY_TELEGRAM_TOKEN is set."""
    token = state.settings.telegram_token
    if not token:
        yield
        return
    if not state.settings.telegram_secret:
        log.warning("CANOPY_TELEGRAM_SECRET is not set: the webhook refuses every update")
    application = build_application(state, token=token, webhook=True)
    try:
        await application.initialize()
        await register_commands(application.bot)
    except TelegramError:
        log.exception("the Telegram bot could not start; the webhook answers 503")
        yield
        return
    from bots.notifier import TelegramNotifier  # it imports this module

    state.extras["telegram"] = application
    # The server's lifespan starts the reminder scheduler inside this block: it sends through here.
    state.extras["notifier"] = TelegramNotifier(state, application.bot)
    try:
        yield
    finally:
        state.extras.pop("notifier", None)
        state.extras.pop("telegram", None)
        await application.shutdown()
