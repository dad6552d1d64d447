"""CORS: pages on CANOPY_CORS_ORIGINS may call the API (preflight answered and cached, no
credentials); any other origin, and every origin by default, gets no CORS headers."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from config import Settings
from server import CORS_MAX_AGE, create_app
from tests.conftest import Api, Tenant
from tests.web.conftest import ClientFactory

APP = "https://console.example.com"
OTHER = "https://evil.example.net"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}
TYPENAME = {"query": "{ __typename }"}


async def test_an_allowed_origin_gets_a_cached_preflight_without_credentials(web_client: ClientFactory) -> None:
    async with web_client(cors_origins=(APP,)) as client:
        # when
        resp = await client.options("/graphql", headers={"origin": APP, **PREFLIGHT})
    # then
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == APP
    assert int(resp.headers["access-control-max-age"]) == CORS_MAX_AGE >= 600
    allowed = {h.strip().lower() for h in resp.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "if-none-match"} <= allowed
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["access-control-allow-methods"].split(",")}
    assert "access-control-allow-credentials" not in resp.headers


async def test_an_allowed_origin_reads_responses_and_their_etag(web_client: ClientFactory) -> None:
    async with web_client(cors_origins=(APP,)) as client:
        post = await client.post("/graphql", json=TYPENAME, headers={"origin": APP})
        get = await client.get("/graphql", params=TYPENAME, headers={"origin": APP, "accept": "application/json"})
    assert post.status_code == 200 and post.json()["data"] == {"__typename": "Query"}
    assert post.headers["access-control-allow-origin"] == APP
    assert "origin" in post.headers["vary"].lower()
    assert "access-control-allow-credentials" not in post.headers
    exposed = {h.strip().lower() for h in get.headers["access-control-expose-headers"].split(",")}
    assert get.headers["etag"] and {"etag", "retry-after"} <= exposed


@pytest.mark.parametrize("origins", [(), (APP,)], ids=["none-configured", "another-configured"])
async def test_other_origins_are_refused(web_client: ClientFactory, origins: tuple[str, ...]) -> None:
    async with web_client(cors_origins=origins) as client:
        # when
        preflight = await client.options("/graphql", headers={"origin": OTHER, **PREFLIGHT})
        post = await client.post("/graphql", json=TYPENAME, headers={"origin": OTHER})
    # then: the preflight fails, and the browser may not read the answer
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post.headers


async def test_a_plain_options_names_the_methods(web_client: ClientFactory) -> None:
    async with web_client() as client:
        resp = await client.options("/graphql")
    assert resp.status_code == 204 and resp.headers["allow"] == "GET, POST, OPTIONS"


async def test_refusals_from_the_guards_are_readable_by_an_allowed_origin(web_client: ClientFactory) -> None:
    async with web_client(cors_origins=(APP,), max_body_bytes=64) as client:
        resp = await client.post("/graphql", json={"query": "{ __typename }" + " " * 100}, headers={"origin": APP})
    assert resp.status_code == 413 and resp.headers["access-control-allow-origin"] == APP


def test_origins_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANOPY_CORS_ORIGINS", f"{APP}/, http://localhost:5173")
    assert Settings.from_env().cors_origins == (APP, "http://localhost:5173")
    monkeypatch.delenv("CANOPY_CORS_ORIGINS")
    assert Settings.from_env().cors_origins == ()
    monkeypatch.setenv("CANOPY_CORS_ORIGINS", "console.example.com/app")
    with pytest.raises(ValueError, match="not an origin"):
        Settings.from_env()


async def _handshake(app: object, origin: str, token: str) -> str:
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://test") as client:
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"],
                               headers={"origin": origin}) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            return (await ws.receive_json())["type"]


async def test_websockets_from_allowed_origins_only(api: Api, tenant: Tenant) -> None:
    settings = dataclasses.replace(api.app.state.canopy.settings, cors_origins=(APP,))
    app = create_app(settings, db=api.db, migrate_on_start=False)
    # when / then
    assert await _handshake(app, APP, tenant.token) == "connection_ack"
    try:
        await _handshake(app, OTHER, tenant.token)
    except BaseException as exc:  # noqa: BLE001 - unwrapped and checked below
        while isinstance(exc, BaseExceptionGroup):
            exc = exc.exceptions[0]
        refused = exc
    else:
        refused = None
    # refused before it is accepted (over the network: HTTP 403)
    assert isinstance(refused, WebSocketDisconnect) and refused.code == 1008, refused
