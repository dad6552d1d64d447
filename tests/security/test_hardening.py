"""The endpoint's limits: each refuses before any resolver runs (no SQL), with a clear error."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest

import resolvers.core.auth
from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory, all_rows

DEEP = "{ me { scope { " + "parent { " * 18 + "id" + " }" * 18 + " } } }"  # depth 20
ALIASES = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(100)) + " }"
TOKENS = "{ me { " + "email " * 5000 + "} }"
AUDIT_PAGE = "query($n: Int) { auditLog(first: $n) { edges { node { operation } } } }"
TYPO = "{ me { emial } }"
INTROSPECTION = "{ __schema { types { name } } }"
CREATE_TOKEN = 'mutation { createApiToken(input: {name: "x"}) { token errors { code } } }'


async def _refused(api: Api, query: str) -> dict:
    body = await api.post(query)
    assert body["data"] is None, body
    assert body["errors"], body
    assert body["extensions"]["sql"]["statements"] == 0  # not one resolver touched the database
    return body


@pytest.mark.parametrize("query", [DEEP, ALIASES, TOKENS], ids=["depth20", "aliases100", "tokens5000"])
async def test_oversized_documents_are_refused_before_any_resolver(
    api: Api, tenant: Tenant, query: str
) -> None:
    # when
    body = await _refused(api, query)
    # then
    message = body["errors"][0]["message"].lower()
    assert any(word in message for word in ("depth", "alias", "token")), message


async def test_cost_is_reported_and_a_costly_query_refused(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    # given: auditLog 1 + (edges, node, operation) x 100 = 301
    body = await api.post(AUDIT_PAGE, {"n": 100})
    assert body["extensions"]["cost"] == {"requestedQueryCost": 301, "maximumAvailable": 50_000}
    async with api_with(max_query_cost=300) as strict:
        # when
        refused = await strict.post(AUDIT_PAGE, {"n": 100})
        small = await strict.post(AUDIT_PAGE, {"n": 10})
    # then
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert refused["extensions"]["sql"]["statements"] == 0
    assert small["extensions"]["cost"]["requestedQueryCost"] == 31
    assert "errors" not in small


async def test_page_size_above_100_is_refused(api: Api, tenant: Tenant) -> None:
    body = await api.post(AUDIT_PAGE, {"n": 101})
    assert "between 0 and 100" in body["errors"][0]["message"]


async def test_suggestions_introspection_and_graphiql_are_off_in_production(
    api: Api, tenant: Tenant, api_with: ApiFactory
) -> None:
    # given: development suggests and introspects
    assert "Did you mean" in (await api.post(TYPO))["errors"][0]["message"]
    assert (await api.ok(INTROSPECTION))["__schema"]["types"]
    async with api_with(env="production") as prod:
        # when
        typo = await prod.post(TYPO)
        introspection = await prod.post(INTROSPECTION)
        ide = await prod.client.get("/graphql", headers={"accept": "text/html"})
    # then
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert introspection["data"] is None and "introspection" in introspection["errors"][0]["message"]
    assert ide.status_code == 404
    dev_ide = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert dev_ide.status_code == 200 and "graphiql" in dev_ide.text.lower()


async def test_every_error_carries_the_request_id(api: Api, tenant: Tenant) -> None:
    resp = await api.client.post(
        "/graphql", json={"query": TYPO}, headers={"x-request-id": "req-123", "authorization": f"Bearer {tenant.token}"}
    )
    assert resp.json()["errors"][0]["extensions"]["requestId"] == "req-123"
    anonymous = await api.client.post("/graphql", json={"query": "{ me { email } }"}, headers={"x-request-id": "req-9"})
    assert anonymous.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "requestId": "req-9"}


async def test_a_fault_is_masked_for_the_client_and_logged_with_its_request_id(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    async def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(resolvers.core.auth, "create_api_token", broken)
    caplog.set_level(logging.DEBUG)
    # when
    resp = await api.client.post(
        "/graphql", json={"query": CREATE_TOKEN},
        headers={"x-request-id": "req-fault", "authorization": f"Bearer {tenant.token}"},
    )
    # then
    assert "internals" not in resp.text
    error = resp.json()["errors"][0]
    assert error["message"] == "Internal error."
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-fault"}
    logged = [r for r in caplog.records if getattr(r, "request_id", None) == "req-fault" and r.exc_info]
    assert logged and "internals" in str(logged[0].exc_info[1])


async def test_request_body_over_the_limit_is_413(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    big = {"query": "{ me { email } }", "variables": {"pad": "x" * 5000}}
    async with api_with(max_body_bytes=2000) as small:
        declared = await small.client.post("/graphql", json=big)

        async def chunks():  # no Content-Length: counted while streaming
            for _ in range(10):
                yield b" " * 500

        streamed = await small.client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        fine = await small.client.post("/graphql", json={"query": "{ me { email } }"},
                                       headers={"authorization": f"Bearer {tenant.token}"})
    assert declared.status_code == 413 and declared.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert streamed.status_code == 413
    assert fine.status_code == 200


async def test_no_mutation_over_get(api: Api, tenant: Tenant) -> None:
    # given
    before = len((await all_rows(api))["api_token"])
    # when
    resp = await api.client.get(
        "/graphql", params={"query": CREATE_TOKEN}, headers={"authorization": f"Bearer {tenant.token}"}
    )
    query = await api.client.get(
        "/graphql", params={"query": "{ me { email } }"}, headers={"authorization": f"Bearer {tenant.token}"}
    )
    # then
    # GraphQL over HTTP: 405, and the Allow header names the method that may run it
    assert resp.status_code == 405 and resp.headers["allow"] == "POST"
    assert "mutation" in resp.text.lower()
    assert len((await all_rows(api))["api_token"]) == before
    assert query.status_code == 200


async def test_graphql_over_http_statuses(api: Api, tenant: Tenant) -> None:
    auth = {"authorization": f"Bearer {tenant.token}"}
    # malformed JSON and a non-GraphQL body
    assert (await api.client.post("/graphql", content=b"{", headers={"content-type": "application/json"})).status_code == 400
    assert (await api.client.post("/graphql", content=b"hello", headers={"content-type": "text/plain"})).status_code == 400
    # a validation error: 400 for graphql-response+json, 200 for legacy application/json
    modern = await api.client.post(
        "/graphql", json={"query": TYPO}, headers={**auth, "accept": "application/graphql-response+json"}
    )
    legacy = await api.client.post("/graphql", json={"query": TYPO}, headers={**auth, "accept": "application/json"})
    ok = await api.client.post(
        "/graphql", json={"query": "{ me { email } }"}, headers={**auth, "accept": "application/graphql-response+json"}
    )
    assert modern.status_code == 400
    assert modern.headers["content-type"].startswith("application/graphql-response+json")
    assert legacy.status_code == 200
    assert ok.status_code == 200 and ok.json()["data"]["me"]["email"] == "admin@acme.example"


async def _close_code(client: Any, subprotocol: str, init: dict[str, Any] | None = None) -> int:
    """The code the server closes a websocket with (anyio wraps it in exception groups)."""
    from httpx_ws import WebSocketDisconnect, aconnect_ws

    try:
        async with aconnect_ws("/graphql", client, subprotocols=[subprotocol]) as ws:
            if init is not None:
                await ws.send_json(init)
            while True:
                await ws.receive_text()
    except BaseException as exc:  # noqa: BLE001 - unwrapped and checked below
        while isinstance(exc, BaseExceptionGroup):
            exc = exc.exceptions[0]
        assert isinstance(exc, WebSocketDisconnect), exc
        return exc.code
    raise AssertionError("the server did not close the websocket")


async def test_websocket_speaks_only_graphql_transport_ws_in_text_with_a_cap(api: Api, tenant: Tenant) -> None:
    import httpx
    from httpx_ws import aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    view = next(r.app for r in api.app.routes if getattr(r, "path", None) == "/graphql")
    assert view.max_subscriptions_per_connection == 20  # strawberry refuses the 21st operation
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=api.app), base_url="http://test") as client:
        # the legacy subprotocol is refused; so is a bad token at connection_init
        assert await _close_code(client, "graphql-ws") == 4406
        bad = {"type": "connection_init", "payload": {"authorization": "Bearer nope"}}
        assert await _close_code(client, "graphql-transport-ws", bad) == 4403
        # graphql-transport-ws: authenticated in connection_init, JSON in text frames
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {tenant.token}"}})
            assert orjson.loads(await ws.receive_text())["type"] == "connection_ack"
            await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "{ me { email } }"}})
            message = orjson.loads(await ws.receive_text())
        assert message["payload"]["data"] == {"me": {"email": "admin@acme.example"}}


async def test_graphiql_introspection_fits_the_limits(api: Api, tenant: Tenant) -> None:
    from graphql import get_introspection_query

    data = await api.ok(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"
