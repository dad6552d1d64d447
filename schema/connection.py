"""The graphql-transport-ws connection: keep-alive pings, revocation, per-message limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import orjson
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from schema.documents import Refused
from schema.events.frames import Frame, stream
from schema.http import peer_key, staff_key

log = logging.getLogger("canopy.ws")
TOKEN_REVOKED = 4403
RATE_LIMITED = 4429
RECHECK_SHARED_SECONDS = 5.0
_RECHECKED: dict[str, tuple[float, Any]] = {}  # token -> (loop time checked, future of the viewer or None)


class CanopyTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    """After `connection_ack` the connection watches its token and staff member through
    the broker (closed with 4403 the moment either is revoked, in any process); one task
    per connection pings the client and re-checks the token periodically as a safety net
    (expiry, a lost Redis message). Every client message counts against the caller's
    rate-limit windows, the same as an HTTP request."""

    watcher: asyncio.Task[None] | None = None
    unwatch: Callable[[], None] | None = None

    async def handle_message(self, message: Any) -> None:
        viewer = self.context.viewer
        key = staff_key(viewer.tenant_id, viewer.staff_id) if viewer else peer_key(self.context.request.scope)
        if await self.view.limiter.acquire(key) > 0:
            await self.websocket.close(RATE_LIMITED, "rate limit exceeded: slow down")
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: Any) -> None:
        """Trusted documents and persisted queries as over HTTP (schema/documents.py)."""
        payload = message.get("payload")
        if self.connection_acknowledged and isinstance(payload, dict):
            try:
                query = await self.view.documents.resolve(payload.get("query"), payload.get("extensions"))
            except Refused as exc:
                error = {"message": exc.message, "extensions": {"code": exc.code}}
                await self.send_message({"id": message.get("id"), "type": "error", "payload": [error]})
                return
            if query is not None:  # else strawberry refuses the message as it always has
                message = {**message, "payload": {**payload, "query": query}}
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        """strawberry's, with schema/events/frames.py's `stream` for `schema.stream`: a
        subscription's results without errors arrive as frames, sent as they are."""
        try:
            result_source = stream(self.schema, operation.query, operation.variables,  # type: ignore[arg-type]
                                   self.context, self.root_value, operation.operation_name)
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)  # type: ignore[arg-type]
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:  # pragma: no cover - as strawberry's
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise

    async def _send_result_stream(self, operation: Operation[Any, Any], result_source: Any) -> None:
        """strawberry's loop, plus frames: one audience's data JSON with this operation's id."""
        id_json = orjson.dumps(operation.id).decode()
        is_first_result = True
        async for result in result_source:
            if type(result) is Frame:
                # As send_next, minus strawberry's payload assembly and the data's encoding.
                await operation.send_operation_message(result.message(operation.id, id_json))  # type: ignore[arg-type]
            elif is_first_result and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            elif not isinstance(result, ExecutionResult):
                await self._reject_incremental_delivery(operation)
                return
            else:
                await operation.send_next(result)
            is_first_result = False

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.watcher is None:
            self.revoked = asyncio.Event()
            viewer, broker = self.context.viewer, self.context.app.broker
            if viewer is not None and broker is not None:
                keys = [("staff", viewer.tenant_id, viewer.staff_id)]
                if viewer.token_id is not None:
                    keys.append(("token", viewer.tenant_id, viewer.token_id))
                self.unwatch = await broker.watch(keys, self.revoked.set)
            self.watcher = asyncio.create_task(self._watch())

    async def shutdown(self) -> None:
        if self.unwatch is not None:
            self.unwatch()
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.watcher
        await super().shutdown()

    async def _recheck(self, now: float, shared_for: float) -> Any:
        """The token re-check, shared for a few seconds by the sockets of one token (a console
        or integrator with many subscriptions would otherwise look it up once per socket)."""
        params = self.context.connection_params or {}
        key = str(params.get("authorization") or params.get("Authorization") or "")
        found = _RECHECKED.get(key)
        if found is None or now - found[0] >= shared_for:
            if len(_RECHECKED) > 10_000:
                _RECHECKED.clear()
            found = _RECHECKED[key] = (now, asyncio.ensure_future(self.view.ws_viewer(self.context)))
        try:
            return await asyncio.shield(found[1])
        except Exception:
            _RECHECKED.pop(key, None)  # a failed check is not shared: the next one tries again
            raise

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        ping_every = float(self.view.keep_alive_interval)
        check_every = float(self.context.settings.token_recheck_seconds)
        next_ping, next_check = loop.time() + ping_every, loop.time() + check_every
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.revoked.wait(), max(0.0, min(next_ping, next_check) - loop.time())
                )
            if self.revoked.is_set():
                await self.websocket.close(TOKEN_REVOKED, "token revoked or access changed")
                return
            now = loop.time()
            if now >= next_check:
                next_check = now + check_every
                try:
                    viewer = await self._recheck(now, min(RECHECK_SHARED_SECONDS, check_every / 2))
                except Exception:  # noqa: BLE001 - the database may be back next time
                    log.exception("token re-check failed")
                    continue
                if viewer is None:
                    await self.websocket.close(TOKEN_REVOKED, "token revoked or expired")
                    return
            if now >= next_ping:
                next_ping = now + ping_every
                await self.send_message({"type": "ping"})

