"""One event to many subscribers: executed and encoded once per audience, never shared across one."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from typing import Any

import orjson
import pytest
from starlette.websockets import WebSocket

from db.models.core import Role
from schema.events.render import ENCODED, RENDERED
from tests.conftest import Api, Tenant
from tests.events.conftest import GqlWs, Tree, add_customer, connect, emit, live, staff_token

WITH_SUBJECT = """
subscription($after: String) {
  events(after: $after, types: [CUSTOMER_CREATED]) {
    cursor data subject { ... on Customer { name email } }
  }
}"""


async def test_an_audience_shares_one_execution_and_one_encoding(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given: 30 admins on one document, resuming from different cursors, and 5 integrators
    await emit(api, tenant, tree, "A1", 3, type="CUSTOMER_CREATED")
    integrator = await staff_token(api, tenant, tree, Role.INTEGRATOR)
    async with AsyncExitStack() as stack:
        admins = [await stack.enter_async_context(connect(api.app, tenant.token)) for _ in range(30)]
        others = [await stack.enter_async_context(connect(api.app, integrator)) for _ in range(5)]
        for i, ws in enumerate(admins):
            await ws.subscribe("1", {"after": str(i % 4)}, query=WITH_SUBJECT)
        for ws in others:
            await ws.subscribe("1", {"after": "3"}, query=WITH_SUBJECT)
        await live(api.app, tenant.id, len(admins) + len(others))
        for i, ws in enumerate(admins):
            await ws.events(3 - i % 4)  # the replayed part
        executions, encodings = RENDERED.executions, ENCODED.derived
        # when: one event
        await add_customer(api, tenant, tree, "A1", email="ada@example.com", phone="+4915112345678")
        got = [(await ws.events(1))[0] for ws in admins]
        masked = [(await ws.events(1))[0] for ws in others]
    # then: two audiences, each executed and encoded once, each with its own view
    assert RENDERED.executions - executions == 2
    assert ENCODED.derived - encodings == 2
    assert {e["cursor"] for e in got + masked} == {"4"}
    assert all(e["data"]["email"] == "ada@example.com" for e in got)
    assert all(e["subject"] == {"name": "Ada", "email": "ada@example.com"} for e in got)
    assert all(e["data"]["email"] == "a***@example.com" for e in masked)
    assert all(e["subject"] == {"name": "Ada", "email": "a***@example.com"} for e in masked)


async def test_scopes_are_separate_audiences(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given: managers of A and of B on the same document
    manager_a = await staff_token(api, tenant, tree, Role.MANAGER, "A")
    manager_b = await staff_token(api, tenant, tree, Role.MANAGER, "B")
    async with connect(api.app, manager_a) as in_a, connect(api.app, manager_b) as in_b:
        await in_a.subscribe("1")
        await in_b.subscribe("1")
        await live(api.app, tenant.id, 2)
        # when: an event in A, then one in B
        await emit(api, tenant, tree, "A1", 1)
        await emit(api, tenant, tree, "B1", 1)
        seen_a, seen_b = await in_a.events(1), await in_b.events(1)
    # then: neither sees the other's
    assert seen_a[0]["node"] == {"code": "A1"}
    assert seen_b[0]["node"] == {"code": "B1"}


async def test_an_audiences_frames_differ_only_by_their_id(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given: 12 sockets of one audience, each with an operation id of its own
    ids = [f"op-{i}" for i in range(11)] + ['q"\\']  # an id JSON must escape too
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connect(api.app, tenant.token)) for _ in ids]
        for op_id, ws in zip(ids, sockets, strict=True):
            await ws.subscribe(op_id, query=WITH_SUBJECT)
        await live(api.app, tenant.id, len(sockets))
        executions, encodings = RENDERED.executions, ENCODED.derived
        # when: one event
        await add_customer(api, tenant, tree, "A1", email="ada@example.com", phone="+4915112345678")
        frames = [await _text(ws) for ws in sockets]
    # then: one execution and one encoding, and the same bytes but for the id (and the
    # debug-only count of the SQL statements each operation ran, per operation as over HTTP)
    assert RENDERED.executions - executions == 1
    assert ENCODED.derived - encodings == 1
    first = orjson.loads(frames[0])
    assert list(first) == ["id", "type", "payload"] and first["type"] == "next"
    assert list(first["payload"]) == ["data", "extensions"]  # as strawberry's send_next
    assert first["payload"]["extensions"]["cost"]["requestedQueryCost"] > 0
    assert first["payload"]["data"]["events"]["subject"] == {"name": "Ada", "email": "ada@example.com"}
    assert all(isinstance(orjson.loads(f)["payload"]["extensions"]["sql"]["statements"], int) for f in frames)
    alike = [re.sub(r'"statements":\d+', "", f.replace(orjson.dumps(i).decode(), "ID", 1))
             for i, f in zip(ids, frames, strict=True)]
    assert alike == [alike[0]] * len(ids)
    assert [orjson.loads(f)["id"] for f in frames] == ids


async def _text(ws: GqlWs) -> str:
    """The next message that is not a ping, as the bytes the server sent."""
    while True:
        text = await ws.ws.receive_text()
        if orjson.loads(text)["type"] != "ping":
            return text


async def test_frames_go_to_the_servers_send_past_the_middlewares(
    api: Api, tenant: Tenant, tree: Tree, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # starlette's WebSocket.send and the middlewares' wrappers above the server's send only
    # look at messages other than text frames: an event's frames skip them.
    through_starlette: list[str] = []
    real = WebSocket.send

    async def counted(self: WebSocket, message: Any) -> None:
        through_starlette.append(message["type"])
        await real(self, message)

    monkeypatch.setattr(WebSocket, "send", counted)
    async with AsyncExitStack() as stack:
        sockets = [await stack.enter_async_context(connect(api.app, tenant.token)) for _ in range(2)]
        for i, ws in enumerate(sockets):
            await ws.subscribe(f"op-{i}", query=WITH_SUBJECT)
        await live(api.app, tenant.id, len(sockets))
        through_starlette.clear()
        await add_customer(api, tenant, tree, "A1", email="ada@example.com", phone="+4915112345678")
        frames = [orjson.loads(await _text(ws)) for ws in sockets]
    assert [f["id"] for f in frames] == ["op-0", "op-1"]
    assert all(f["payload"]["data"]["events"]["subject"]["name"] == "Ada" for f in frames)
    assert "websocket.send" not in through_starlette, through_starlette
