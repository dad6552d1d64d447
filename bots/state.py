"""Per-chat conversation state in the database, so it survives restarts and spans processes.

The state is a JSON object on the chat's account row, saved with a version check:
two processes handling the same chat at once cannot both commit a step.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from sqlalchemy import update

from db.base import utcnow
from db.models.chat import ChatAccount
from db.session import Database


class StaleState(Exception):
    """Another message of this chat changed the state first."""


class ChatState:
    """The loaded state of one chat; `data` is edited in place, `save()` writes it back."""

    def __init__(self, db: Database, account: ChatAccount) -> None:
        self.db = db
        self.tenant_id = account.tenant_id
        self.account_id = account.id
        self.version = account.version
        self.data: dict[str, Any] = copy.deepcopy(account.state or {})
        self._saved = copy.deepcopy(self.data)

    # ---- the parts of the state ----
    @property
    def customer(self) -> dict[str, str] | None:
        """The customer in context: {"id", "name"}."""
        return self.data.get("customer")

    @customer.setter
    def customer(self, value: dict[str, str] | None) -> None:
        self.data["customer"] = value

    @property
    def flow(self) -> dict[str, Any] | None:
        """The guided conversation under way: {"name", "step", "serial", ...answers}."""
        return self.data.get("flow")

    def start_flow(self, name: str, step: str, **answers: Any) -> dict[str, Any]:
        flow = {"name": name, "step": step, "serial": self.new_serial(), **answers}
        self.data["flow"] = flow
        return flow

    def end_flow(self) -> None:
        self.data.pop("flow", None)

    @staticmethod
    def new_serial() -> str:
        """A token that tells this message's buttons from those of any other message.

        Random, not a counter: two messages handled at once from the same state
        would otherwise hand out the same number, and the loser's buttons would
        act on the winner's list.
        """
        return secrets.token_hex(4)

    # ---- persistence ----
    async def save(self) -> None:
        """Write the state if it changed; StaleState if another message saved first."""
        if self.data == self._saved:
            return
        async with self.db.session(tenant_id=self.tenant_id) as session:
            result = await session.execute(
                update(ChatAccount)
                .where(ChatAccount.id == self.account_id, ChatAccount.version == self.version)
                .values(state=self.data, version=self.version + 1, updated_at=utcnow())
            )
            await session.commit()
        if result.rowcount != 1:
            raise StaleState()
        self.version += 1
        self._saved = copy.deepcopy(self.data)
