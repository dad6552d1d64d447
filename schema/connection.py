"""The graphql-transport-ws connection: keep-alive pings and periodic token re-checks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

log = logging.getLogger("canopy.ws")
TOKEN_REVOKED = 4403


class CanopyTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    """After `connection_ack`, one task per connection pings the client and re-checks
    its token, closing the connection once the token is revoked or expired."""

    watcher: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.watcher is None:
            self.watcher = asyncio.create_task(self._watch())

    async def shutdown(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.watcher
        await super().shutdown()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        ping_every = float(self.view.keep_alive_interval)
        check_every = float(self.context.settings.token_recheck_seconds)
        next_ping, next_check = loop.time() + ping_every, loop.time() + check_every
        while True:
            await asyncio.sleep(max(0.0, min(next_ping, next_check) - loop.time()))
            now = loop.time()
            if now >= next_check:
                next_check = now + check_every
                try:
                    viewer = await self.view.ws_viewer(self.context)
                except Exception:  # noqa: BLE001 - the database may be back next time
                    log.exception("token re-check failed")
                    continue
                if viewer is None:
                    await self.websocket.close(TOKEN_REVOKED, "token revoked or expired")
                    return
            if now >= next_ping:
                next_ping = now + ping_every
                await self.send_message({"type": "ping"})
