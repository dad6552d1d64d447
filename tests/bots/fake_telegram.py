"""A fake Telegram Bot API on loopback: records every call, answers like Telegram does."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Canopy", "username": "canopy_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
_JSON_FIELDS = {"chat_id", "message_id", "reply_markup", "offset", "limit", "timeout", "allowed_updates", "commands"}


class FakeBotApi:
    """Answers getMe, sendMessage, editMessageText, answerCallbackQuery, getUpdates, webhooks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.pending_updates: list[dict[str, Any]] = []
        self.url = ""
        self._message_ids = itertools.count(500)
        self._changed = asyncio.Event()
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self.endpoint, methods=["GET", "POST"])])

    async def wait_for_messages(self, count: int) -> None:
        """Until `count` messages were sent (the polling test's only way to know it is done)."""
        while len(self.sent()) < count:
            self._changed.clear()
            await self._changed.wait()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        form = parse_qsl((await request.body()).decode())  # PTB posts url-encoded fields
        params = {k: orjson.loads(v) if k in _JSON_FIELDS else v for k, v in form}
        result = self.result(method, params)
        if method != "getUpdates":
            if method == "sendMessage":
                params["sent_message_id"] = result["message_id"]  # what a button press will refer to
            self.calls.append((method, params))
            self._changed.set()
        return JSONResponse({"ok": True, "result": result})

    def result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            message_id = params.get("message_id") or next(self._message_ids)
            return {"message_id": message_id, "date": int(time.time()),
                    "chat": {"id": params["chat_id"], "type": "private"}, "text": params["text"]}
        if method == "getUpdates":
            updates, self.pending_updates = self.pending_updates, []
            return updates
        return True  # answerCallbackQuery, setWebhook, deleteWebhook...

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeBotApi]:
        server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning",
                                               lifespan="off"))
        # Bound and listening before the server task runs: early requests wait in the backlog.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        task = asyncio.create_task(server.serve(sockets=[sock]))
        self.url = f"http://127.0.0.1:{port}/bot"
        try:
            yield self
        finally:
            server.should_exit = True
            await task


_update_ids = itertools.count(1)


def text_update(chat_id: int, text: str, *, language: str = "en", update_id: int | None = None) -> dict[str, Any]:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {
        "update_id": update_id or next(_update_ids),
        "message": {
            "message_id": next(_update_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Mia", "language_code": language},
            "text": text, "entities": entities,
        },
    }


def button_update(chat_id: int, data: str, message_id: int) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cq{next(_update_ids)}", "chat_instance": "ci", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Mia", "language_code": "en"},
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"}, "text": "..."},
        },
    }
