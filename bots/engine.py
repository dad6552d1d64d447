"""The conversation engine: (chat, text or button) in, replies out, for any messenger.

Adapters (bots/telegram.py, cli/chat.py) turn their platform's updates into
`Incoming` and send back the `Reply`s. Everything a command reads or changes goes
through the GraphQL API as the linked staff member (bots/client.py); the only
tables the engine touches itself are its own chat link and state tables.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bots import answers, campaigns, customers, flows, pipeline
from bots.client import GraphQLClient, OperationFailed, OperationUnavailable
from bots.i18n import Translator
from bots.replies import Incoming, Reply
from bots.state import ChatState, StaleState
from bots.turn import Callback, Command, Step, Turn
from db.models.chat import ChatAccount
from db.uow import unit_of_work
from resolvers.chat import links as chat
from schema.context import AppState

log = logging.getLogger("canopy.bots")

COMMANDS: dict[str, Command] = {**customers.COMMANDS, **flows.COMMANDS, **pipeline.COMMANDS, **campaigns.COMMANDS}
CALLBACKS: dict[str, Callback] = {**customers.CALLBACKS, **flows.CALLBACKS, **pipeline.CALLBACKS}
STEPS: dict[tuple[str, str], Step] = {**flows.STEPS}
# Longer text is refused before any step sees it (a step may allow less).
MAX_INPUT = 4096


class Engine:
    """Platform-neutral; holds no conversation in memory, so any process can take any message."""

    def __init__(self, app: AppState) -> None:
        self.app = app

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Replies to one message or button press; never raises."""
        t = Translator(msg.language)
        try:
            return await self._handle(msg)
        except Exception:  # noqa: BLE001 - one bad message must not stop the bot
            log.exception("bot failed on a message from %s:%s", msg.platform, msg.chat_id)
            return [Reply(t("error.internal"))]

    async def _handle(self, msg: Incoming) -> list[Reply]:
        command, args = _split_command(msg.text)
        db = self.app.db
        linked = None
        # The route is read across tenants (the chat's tenant is what it tells); everything
        # after it is confined to that tenant, on PostgreSQL by row-level security too.
        async with db.session(all_tenants=True) as session:
            tenant_id = await chat.tenant_of_chat(session, platform=msg.platform, external_id=msg.chat_id)
            if tenant_id is not None:
                session.info.update(tenant_id=tenant_id, all_tenants=False)
                linked = await chat.viewer_for_chat(session, platform=msg.platform, external_id=msg.chat_id)
        if command == "start" and args:
            return await self._link(msg, args)
        if linked is None:
            return [Reply(Translator(msg.language)("link.instructions"))]
        turn = Turn(msg=msg, viewer=linked.viewer, state=ChatState(db, linked.account),
                    api=GraphQLClient(self.app, linked.viewer), t=Translator(linked.viewer.locale))
        if command == "unlink":
            return await self._unlink(turn, linked.account)
        replies = await self._dispatch(turn, command, args)
        buttons = answers.offered(replies)
        if buttons is not None:
            turn.state.data["offered"] = buttons
        elif replies and not turn.keep_offered:
            turn.state.data.pop("offered", None)
        try:
            await turn.state.save()
        except StaleState:
            replies.append(Reply(turn.t("error.stale_state")))
        return replies

    async def _dispatch(self, turn: Turn, command: str | None, args: str) -> list[Reply]:
        try:
            if turn.msg.callback is not None:
                return await self._press(turn, turn.msg.callback)
            if command is not None:
                return await self._command(turn, command, args)
            return await self._free_text(turn, (turn.msg.text or "").strip())
        except OperationUnavailable:
            return turn.say("error.unavailable")
        except OperationFailed:
            return turn.say("error.internal")

    async def _press(self, turn: Turn, data: str) -> list[Reply]:
        fields = data.split(":")
        handler = CALLBACKS.get(fields[0])
        return await handler(turn, fields[1:]) if handler else turn.say("error.stale_button")

    async def _command(self, turn: Turn, command: str, args: str) -> list[Reply]:
        if command == "start":
            return turn.say("link.already", name=turn.viewer.name, email=turn.viewer.email)
        if command == "help":
            return [Reply(help_text(turn.t, turn.api))]
        if command == "cancel":
            if turn.state.flow is None:
                return turn.say("cancel.nothing")
            turn.state.end_flow()
            return turn.say("cancel.done")
        handler = COMMANDS.get(command)
        if handler is None:
            return turn.say("error.unknown_command", command=command[:40])
        return await handler(turn, args)

    async def _free_text(self, turn: Turn, text: str) -> list[Reply]:
        data = answers.pressed(text, turn.state.data.get("offered"))
        if data is not None:  # typed instead of tapped: as a new message, not an edit of the old
            return [replace(r, edit=False) for r in await self._press(turn, data)]
        flow = turn.state.flow
        if flow is None:
            turn.keep_offered = True
            return turn.say("error.free_text")
        if not text:
            return turn.say("error.empty")
        if len(text) > MAX_INPUT:
            return turn.say("error.too_long", limit=MAX_INPUT, length=len(text))
        step = STEPS.get((flow["name"], flow["step"]))
        if step is None:  # a step expecting a button, not text
            turn.keep_offered = True
            return turn.say("flow.use_buttons")
        return await step(turn, text)

    async def _link(self, msg: Incoming, code: str) -> list[Reply]:
        async with self.app.db.session(all_tenants=True) as session:
            async with unit_of_work(session, operation="chatLink"):
                account = await chat.redeem_link_code(
                    session, platform=msg.platform, external_id=msg.chat_id, code=code[:64])
        if account is None:
            return [Reply(Translator(msg.language)("link.bad_code"))]
        async with self.app.db.session(tenant_id=account.tenant_id) as session:
            linked = await chat.viewer_for_chat(session, platform=msg.platform, external_id=msg.chat_id)
        assert linked is not None
        t = Translator(linked.viewer.locale)
        return [Reply(t("link.done", name=linked.viewer.name, email=linked.viewer.email)),
                Reply(help_text(t, GraphQLClient(self.app, linked.viewer)))]

    async def _unlink(self, turn: Turn, account: ChatAccount) -> list[Reply]:
        async with self.app.db.session(tenant_id=turn.viewer.tenant_id) as session:
            async with unit_of_work(session, operation="chatUnlink", actor_id=turn.viewer.staff_id):
                await chat.unlink_chat(session, account)
        return turn.say("link.unlinked")


def _split_command(text: str | None) -> tuple[str | None, str]:
    """("find", "alice") for "/find alice" or "/find@canopy_bot alice"; (None, "") for plain text."""
    if not text or not text.startswith("/"):
        return None, ""
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name or None), rest.strip()


def help_text(t: Translator, api: GraphQLClient) -> str:
    lines = [t("help.title")]
    for command, operation in HELP_COMMANDS:
        if operation is None or api.has(operation):
            lines.append(t(f"help.{command}"))
    return "\n".join(lines)


# (command, the operation it needs): commands of domains not installed stay out of /help.
HELP_COMMANDS: list[tuple[str, str | None]] = [
    ("find", "FindCustomers"), ("customer", "CustomerCard"), ("history", "CustomerHistory"),
    ("log", "LogInteraction"), ("ticket", "CustomerTickets"), ("points", "CustomerPoints"),
    ("tasks", "MyTasks"), ("pipeline", "MyPipeline"), ("campaigns", "MyCampaigns"),
    ("cancel", None), ("unlink", None), ("help", None),
]
