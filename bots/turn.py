"""One message being handled: who sent it, their state, their API client, their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bots.client import GraphQLClient
from bots.i18n import Translator
from bots.replies import Incoming, Reply
from bots.state import ChatState
from resolvers.common.viewer import Viewer

# Longest free text the bot takes in one step (summaries, subjects, searches have their own).
MAX_TEXT = 2000
MAX_SEARCH = 100


@dataclass
class Turn:
    msg: Incoming
    viewer: Viewer
    state: ChatState
    api: GraphQLClient
    t: Translator
    # A hint about the buttons above ("use the buttons") leaves them answerable by text.
    keep_offered: bool = False

    @property
    def channel(self) -> str:
        return self.msg.platform

    def say(self, key: str, **values: Any) -> list[Reply]:
        return [Reply(self.t(key, **values))]

    def problem(self, errors: list[dict[str, Any]]) -> str:
        """The first UserError of a payload in words the staff member can act on."""
        first = errors[0]
        code = first.get("code", "")
        if code in {"NOT_FOUND", "FORBIDDEN"}:
            return self.t(f"error.{code.lower()}")
        return self.t("error.rejected", message=first.get("message", code))


Command = Callable[[Turn, str], Awaitable[list[Reply]]]  # (turn, arguments after the command)
Callback = Callable[[Turn, list[str]], Awaitable[list[Reply]]]  # (turn, fields of the button data)
Step = Callable[[Turn, str], Awaitable[list[Reply]]]  # (turn, free text answering the step)
