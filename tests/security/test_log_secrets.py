"""No password or token secret in any log line: uvicorn's access and websocket lines
and Canopy's request log, after logins and token use over GET, POST and websocket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from urllib.parse import quote

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import connect

from tests.conftest import PASSWORD, Api, Tenant

LOGIN = 'mutation($p: String!) { login(input: {email: "admin@acme.example", password: $p}) { token } }'


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_no_secret_in_server_logs(
    api: Api, tenant: Tenant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # an earlier in-process uvicorn (the fake Bot API's: log_level=warning, default log config)
    # or `canopy serve` leaves these loggers quiet or non-propagating; caplog listens at the root
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "canopy", "canopy.http"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        caplog.set_level(logging.DEBUG, logger=name)  # and its log_level set theirs
    # the websockets library logs whole frames at DEBUG (its own debugging aid, off at INFO)
    caplog.set_level(logging.INFO, logger="websockets")
    port = _port()
    # uvicorn with its access log on (as a plain `uvicorn server:create_app` would run)
    server = uvicorn.Server(uvicorn.Config(api.app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=True, lifespan="off", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{port}/graphql"
        async with httpx.AsyncClient() as client:
            # when: logins and token use by GET (query string) and POST
            token = (await client.post(base, json={"query": LOGIN, "variables": {"p": PASSWORD}})).json()
            token = token["data"]["login"]["token"]
            await client.get(base, params={"query": LOGIN, "variables": orjson.dumps({"p": PASSWORD}).decode()})
            await client.get(base, params={"query": "{ me { email } }", "token": token})
            await client.get(base, params={"query": "{ me { email } }"}, headers={"authorization": f"Bearer {token}"})
        # and over a websocket, with the secret in its query string too
        async with connect(f"ws://127.0.0.1:{port}/graphql?token={token}&password={quote(PASSWORD)}",
                           subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}).decode())
            assert orjson.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": LOGIN, "variables": {"p": PASSWORD}}}).decode())
            await ws.recv()
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task
    # then: the lines are there, without the secrets
    # the server's records only (httpx and the websockets client log their own URLs)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore", "websockets.client"))]
    lines = [f"{r.name} {r.getMessage()} {r.__dict__}" for r in server_side]
    assert any(r.name == "uvicorn.access" for r in caplog.records)
    assert any("WebSocket /graphql" in line for line in lines)
    assert any(getattr(r, "path", None) == "/graphql" for r in caplog.records if r.name == "canopy.http")
    logged = "\n".join(lines)
    for secret in (PASSWORD, quote(PASSWORD), quote(PASSWORD, safe="").replace("%20", "+"), token, tenant.token):
        assert secret not in logged
