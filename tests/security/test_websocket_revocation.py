"""Websockets: a revoked token closes its open sockets at once (4403); messages are limited like HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory

CREATE = 'mutation { createApiToken(input: {name: "live"}) { token apiToken { id } errors { code } } }'
REVOKE = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { revokedAt } errors { code } } }"
SUBSCRIBE = "subscription { events { cursor } }"


@asynccontextmanager
async def _socket(app: Any, token: str) -> AsyncIterator[Any]:
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://test") as client:
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            yield ws


async def _close_code(ws: Any) -> int:
    """Reads until the server closes; the timeout is only a hang guard."""
    try:
        async with asyncio.timeout(60):
            while True:
                msg = orjson.loads(await ws.receive_text())
                if msg["type"] == "ping":
                    await ws.send_json({"type": "pong"})
    except BaseException as exc:  # noqa: BLE001 - unwrapped and checked below
        while isinstance(exc, BaseExceptionGroup):
            exc = exc.exceptions[0]
        assert isinstance(exc, WebSocketDisconnect), exc
        return exc.code


async def test_revoking_a_token_closes_its_socket_at_once(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    # given: re-checks far apart, so only the revocation itself can close the socket
    async with api_with(token_recheck_seconds=3600) as app:
        created = (await app.ok(CREATE))["createApiToken"]
        async with _socket(app.app, created["token"]) as ws, _socket(app.app, tenant.token) as bystander:
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            await bystander.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
            # when
            revoked = (await app.ok(REVOKE, {"id": created["apiToken"]["id"]}))["revokeApiToken"]
            assert revoked["errors"] == [] and revoked["apiToken"]["revokedAt"]
            code = await _close_code(ws)
            # then: the other token's socket still works
            await bystander.send_json({"id": "2", "type": "subscribe", "payload": {"query": "{ me { email } }"}})
            answer = None
            while answer is None or answer.get("id") != "2":
                answer = orjson.loads(await bystander.receive_text())
    assert code == 4403
    assert answer["payload"]["data"] == {"me": {"email": "admin@acme.example"}}


async def test_socket_messages_get_the_http_limits(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    async with api_with(rate_limit_per_minute=3, max_body_bytes=1000) as app:
        async with _socket(app.app, tenant.token) as ws:
            for op in "1234":  # after connection_init (counted against the address): 3 pass, 1 not
                await ws.send_json({"id": op, "type": "subscribe", "payload": {"query": "{ me { email } }"}})
            limited = await _close_code(ws)
        async with api_with(max_body_bytes=1000) as small, _socket(small.app, tenant.token) as ws:
            await ws.send_text(orjson.dumps({"id": "1", "type": "subscribe",
                                             "payload": {"query": "{ me { email } }", "pad": "x" * 2000}}).decode())
            too_big = await _close_code(ws)
    assert limited == 4429
    assert too_big == 1009


async def test_a_revocation_in_one_process_closes_the_socket_in_another(
    api: Api, tenant: Tenant, api_with: ApiFactory
) -> None:
    import uuid

    # given: two apps (two brokers) sharing the database and one Redis prefix
    shared = {"redis_url": "redis://127.0.0.1:6379/0", "redis_channel_prefix": f"t-{uuid.uuid4().hex[:8]}",
              "token_recheck_seconds": 3600}
    async with api_with(**shared) as one, api_with(**shared) as two:
        try:
            created = (await one.ok(CREATE))["createApiToken"]
            async with _socket(two.app, created["token"]) as ws:
                # when: revoked through the other process
                revoked = (await one.ok(REVOKE, {"id": created["apiToken"]["id"]}))["revokeApiToken"]
                assert revoked["errors"] == []
                code = await _close_code(ws)
        finally:
            for app in (one, two):
                await app.app.state.canopy.broker.close()
    # then
    assert code == 4403
