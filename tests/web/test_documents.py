"""Trusted documents (CANOPY_TRUSTED_DOCUMENTS=only) and Apollo's automatic persisted queries,
over POST, GET and websockets."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from redis.asyncio import Redis

import schema.documents
from bots.operations import OPERATIONS, fitted
from tests.conftest import IN_CI, Api, Tenant
from tests.web.conftest import sql_statements

REDIS_URL = os.environ.get("CANOPY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FIND = (OPERATIONS / "find_customers.graphql").read_text()
FIND_VARS = {"search": "nobody", "first": 1}
ME = "query Me { me { email } }"
JSON = {"accept": "application/json"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(document: str | None = None, *, digest: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest or sha(document or "")}}}
    if document is not None:
        body["query"] = document
    return body


async def post(api: Api, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await api.client.post("/graphql", json=body, headers={"authorization": f"Bearer {api.token}", **headers})


def code(resp: httpx.Response) -> str:
    return resp.json()["errors"][0]["extensions"]["code"]


# ---------- trusted documents ----------

async def test_only_mode_runs_registered_documents_as_text_or_by_hash(api: Api, tenant: Tenant, api_with: Any) -> None:
    async with api_with(trusted_documents="only") as only:
        fitted_find = fitted(only.app.state.graphql_view.schema._schema)["FindCustomers"].source
        # when
        as_text = await post(only, {"query": FIND, "variables": FIND_VARS})
        as_fitted = await post(only, {"query": fitted_find, "variables": FIND_VARS})
        by_hash = await post(only, {**persisted(digest=sha(FIND)), "variables": FIND_VARS})
        both = await post(only, {**persisted(FIND), "variables": FIND_VARS})
    # then
    for resp in (as_text, as_fitted, by_hash, both):
        assert resp.status_code == 200, resp.text
        assert resp.json()["data"]["customers"]["totalCount"] == 0, resp.text


async def test_only_mode_refuses_anything_else_before_any_sql(api: Api, tenant: Tenant, api_with: Any) -> None:
    async with api_with(trusted_documents="only") as only:
        await post(only, {"query": ME})  # the rate limiter has now seen (and cached) this token
        # when
        with sql_statements(api.db) as ran:
            text = await post(only, {"query": ME})
            hashed = await post(only, persisted(ME))
            gql = await post(only, {"query": "{ me { email } }"}, accept="application/graphql-response+json")
            get = await only.client.get("/graphql", params={"query": ME}, headers={
                "authorization": f"Bearer {tenant.token}", **JSON})
        with sql_statements(api.db) as allowed:
            ok = await post(only, {"query": FIND, "variables": FIND_VARS})
        unknown_hash = await post(only, persisted(digest=sha(ME)))
    # then: refused with a clear error, 400, and nothing reached the database
    for resp in (text, hashed, gql, get):
        assert resp.status_code == 400, resp.text
        assert code(resp) == "PERSISTED_QUERY_NOT_IN_LIST"
        assert "trusted documents only" in resp.json()["errors"][0]["message"]
    assert "data" not in gql.json() and gql.headers["content-type"].startswith("application/graphql-response+json")
    assert ran == []
    assert ok.status_code == 200 and allowed  # the same counter sees a request that runs
    # an APQ document is not learnt in this mode: its hash stays unknown
    assert unknown_hash.status_code == 400 and code(unknown_hash) == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_console_manifest_is_registered_when_present(
    api: Api, tenant: Tenant, api_with: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha(ME): ME}))
    monkeypatch.setattr(schema.documents, "CONSOLE_MANIFEST", manifest)
    async with api_with(trusted_documents="only") as only:
        by_text = await post(only, {"query": ME})
        by_hash = await post(only, persisted(digest=sha(ME)))
    monkeypatch.setattr(schema.documents, "CONSOLE_MANIFEST", tmp_path / "absent.json")
    async with api_with(trusted_documents="only") as without:
        refused = await post(without, {"query": ME})
    assert by_text.json()["data"]["me"]["email"] == "admin@acme.example"
    assert by_hash.json()["data"]["me"]["email"] == "admin@acme.example"
    assert refused.status_code == 400 and code(refused) == "PERSISTED_QUERY_NOT_IN_LIST"


def test_the_mode_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import Settings

    monkeypatch.setenv("CANOPY_TRUSTED_DOCUMENTS", "only")
    assert Settings.from_env().trusted_documents == "only"
    monkeypatch.setenv("CANOPY_TRUSTED_DOCUMENTS", "off")
    assert Settings.from_env().trusted_documents == "allow"
    monkeypatch.setenv("CANOPY_TRUSTED_DOCUMENTS", "strict")
    with pytest.raises(ValueError, match="CANOPY_TRUSTED_DOCUMENTS"):
        Settings.from_env()


# ---------- automatic persisted queries ----------

async def test_apq_hash_then_document_then_hash(api: Api, tenant: Tenant) -> None:
    # when
    miss = await post(api, persisted(digest=sha(ME)))
    stored = await post(api, persisted(ME))
    hit = await post(api, persisted(digest=sha(ME)))
    get_hit = await api.client.get("/graphql", params={
        "extensions": json.dumps(persisted(digest=sha(ME))["extensions"])},
        headers={"authorization": f"Bearer {tenant.token}", "accept": "*/*"})
    # then
    assert miss.status_code == 400
    assert miss.json()["errors"][0] == {
        "message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    assert "no-cache" in miss.headers["cache-control"]
    for resp in (stored, hit, get_hit):
        assert resp.status_code == 200, resp.text
        assert resp.json()["data"] == {"me": {"email": "admin@acme.example"}}
    assert get_hit.headers["content-type"].startswith("application/json")  # not the IDE page


async def test_apq_over_get_stores_and_runs(api: Api, tenant: Tenant) -> None:
    doc = "query Again { me { email role } }"
    auth = {"authorization": f"Bearer {tenant.token}", **JSON}
    stored = await api.client.get("/graphql", params={
        "query": doc, "extensions": json.dumps(persisted(doc)["extensions"])}, headers=auth)
    hit = await api.client.get("/graphql", params={
        "extensions": json.dumps(persisted(digest=sha(doc))["extensions"])}, headers=auth)
    assert stored.status_code == hit.status_code == 200
    assert hit.json()["data"]["me"]["role"] == "ADMIN"


async def test_apq_refuses_a_wrong_hash_and_bad_extensions(api: Api, tenant: Tenant) -> None:
    wrong = await post(api, persisted(ME, digest=sha("{ __typename }")))
    after = await post(api, persisted(digest=sha("{ __typename }")))
    bad = [await post(api, {"query": ME, "extensions": {"persistedQuery": value}}) for value in (
        {"version": 2, "sha256Hash": sha(ME)}, {"version": 1, "sha256Hash": "abc"},
        {"version": 1, "sha256Hash": sha(ME).upper()}, {"version": 1}, "x", [],
    )]
    assert wrong.status_code == 400 and code(wrong) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert code(after) == "PERSISTED_QUERY_NOT_FOUND"  # the mismatching text was not stored
    for resp in bad:
        assert resp.status_code == 400 and code(resp) == "BAD_REQUEST", resp.text
        assert "persistedQuery" in resp.json()["errors"][0]["message"]


async def test_the_store_is_bounded_in_entries_and_size(api: Api, tenant: Tenant, api_with: Any) -> None:
    docs = [f"query Q{i} {{ me {{ email }} }}" for i in range(3)]
    big = "query Big { me { email } }" + " " * 200
    async with api_with(apq_max_entries=2, apq_max_document_bytes=100) as small:
        for doc in docs:
            assert (await post(small, persisted(doc))).status_code == 200
        await post(small, persisted(docs[1]))  # used again: now the most recent
        await post(small, persisted(docs[2]))
        ran_big = await post(small, persisted(big))
        # when
        hits = [await post(small, persisted(digest=sha(d))) for d in (*docs, big)]
    # then: Q0 was the least recently used of three; the big one ran but was not kept
    assert ran_big.status_code == 200 and ran_big.json()["data"]["me"]
    assert [r.status_code for r in hits] == [400, 200, 200, 400]


async def _redis_or_skip() -> None:
    try:
        redis = Redis.from_url(REDIS_URL)
        await redis.ping()
        await redis.aclose()
    except Exception as exc:  # noqa: BLE001 - any failure means Redis is absent
        if IN_CI:
            pytest.fail(f"Redis is required in CI ({REDIS_URL}): {exc}")
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")


async def test_the_store_is_shared_and_bounded_through_redis(api: Api, tenant: Tenant, api_with: Any) -> None:
    await _redis_or_skip()
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    shared = {"redis_url": REDIS_URL, "redis_channel_prefix": prefix, "apq_max_entries": 2}
    docs = [f"query R{i} {{ me {{ email }} }}" for i in range(3)]
    redis = Redis.from_url(REDIS_URL)
    try:
        async with api_with(**shared) as one, api_with(**shared) as two:
            # when: one process learns the documents, the other is asked for them
            for doc in docs:
                assert (await post(one, persisted(doc))).status_code == 200
            hits = [await post(two, persisted(digest=sha(d))) for d in docs]
        keys = sorted(k.decode() for k in await redis.keys(f"{prefix}:apq*"))
    finally:
        for key in await redis.keys(f"{prefix}:*"):
            await redis.delete(key)
        await redis.aclose()
    # then
    assert [r.status_code for r in hits] == [400, 200, 200]
    assert hits[1].json()["data"]["me"]["email"] == "admin@acme.example"
    assert keys == sorted([f"{prefix}:apq", f"{prefix}:apq:{sha(docs[1])}", f"{prefix}:apq:{sha(docs[2])}"])


async def test_an_unreachable_redis_falls_back_to_memory(api: Api, tenant: Tenant, api_with: Any) -> None:
    async with api_with(redis_url="redis://127.0.0.1:1/0") as broken:
        stored = await post(broken, persisted(ME))
        hit = await post(broken, persisted(digest=sha(ME)))
    assert stored.status_code == hit.status_code == 200, hit.text


# ---------- websockets ----------

async def _ws_answers(app: Any, token: str, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://test") as client:
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            assert (await ws.receive_json())["type"] == "connection_ack"
            for i, payload in enumerate(payloads):
                await ws.send_json({"id": str(i), "type": "subscribe", "payload": payload})
                first = None
                while True:  # a query answers next then complete; a refusal, error alone
                    msg = orjson.loads(await ws.receive_text())
                    if msg["type"] in {"next", "error"}:
                        first = first or msg
                    if msg["type"] in {"complete", "error"}:
                        break
                out.append(first)
    return out


async def test_websocket_operations_follow_the_same_rules(api: Api, tenant: Tenant, api_with: Any) -> None:
    async with api_with(trusted_documents="only") as only:
        refused, trusted = await _ws_answers(only.app, tenant.token, [
            {"query": ME}, {"query": FIND, "variables": FIND_VARS}])
    async with api_with() as allow:
        miss, stored, hit = await _ws_answers(allow.app, tenant.token, [
            {"query": "", **persisted(digest=sha(ME))}, persisted(ME), {"query": "", **persisted(digest=sha(ME))}])
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert trusted["type"] == "next" and trusted["payload"]["data"]["customers"]["totalCount"] == 0
    assert miss["type"] == "error" and miss["payload"][0]["message"] == "PersistedQueryNotFound"
    assert stored["type"] == hit["type"] == "next"
    assert hit["payload"]["data"]["me"]["email"] == "admin@acme.example"


async def test_concurrent_stores_through_redis_stay_bounded(api: Api, tenant: Tenant, api_with: Any) -> None:
    await _redis_or_skip()
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    shared = {"redis_url": REDIS_URL, "redis_channel_prefix": prefix, "apq_max_entries": 5,
              "rate_limit_burst": 1000}
    docs = [f"query C{i} {{ me {{ email }} }}" for i in range(24)]
    redis = Redis.from_url(REDIS_URL)
    try:
        async with api_with(**shared) as one, api_with(**shared) as two:
            # when: two processes store 24 documents at once
            answers = await asyncio.gather(*(post((one, two)[i % 2], persisted(d)) for i, d in enumerate(docs)))
        indexed = {m.decode() for m in await redis.zrange(f"{prefix}:apq", 0, -1)}
        stored = {k.decode().rsplit(":", 1)[1] for k in await redis.keys(f"{prefix}:apq:*")}
    finally:
        for key in await redis.keys(f"{prefix}:*"):
            await redis.delete(key)
        await redis.aclose()
    # then: every one ran; exactly five remain, each indexed and stored (no orphan either way)
    assert [a.status_code for a in answers] == [200] * len(docs)
    assert len(indexed) == 5 and indexed == stored


async def test_a_malformed_console_manifest_stops_the_start(
    api: Api, api_with: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps([ME]))
    monkeypatch.setattr(schema.documents, "CONSOLE_MANIFEST", manifest)
    with pytest.raises(ValueError, match="expected a JSON object"):
        async with api_with():
            pass
