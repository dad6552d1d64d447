"""createChatLinkCode: the one-time code a staff member sends to the bot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from db.session import DbSession
from resolvers.chat import links as chat
from resolvers.common.viewer import Viewer
from schema.errors import UserError
from schema.mutation import run_mutation


@strawberry.type
class ChatLinkCodePayload:
    code: str | None = strawberry.field(default=None, description="Send `/start CODE` to the bot; shown once.")
    expires_at: datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A single-use code, valid 10 minutes, that links a chat to you.")
    async def create_chat_link_code(self, info: Info) -> ChatLinkCodePayload:
        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await chat.create_link_code(session, viewer)

        result, errors = await run_mutation(info, "createChatLinkCode", service)
        if result is None:
            return ChatLinkCodePayload(errors=errors)
        code, expires_at = result
        return ChatLinkCodePayload(code=code, expires_at=expires_at)
