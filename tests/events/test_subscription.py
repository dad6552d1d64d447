"""Subscription.events over graphql-transport-ws (in-process websockets)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from httpx_ws import WebSocketDisconnect

from db import outbox
from db.models.core import Role
from schema.connection import TOKEN_REVOKED
from server import create_app
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, connect, emit, settings_for, staff_token

CREATE_TOKEN = 'mutation { createApiToken(input: {name: "erp"}) { token apiToken { id } } }'
REVOKE_TOKEN = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }"


def _leaves(group: BaseExceptionGroup) -> list:
    """The exceptions in a (nested) exception group (the websocket client runs a task group)."""
    out = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


async def test_resume_after_disconnect_misses_nothing_and_repeats_nothing(
    api: Api, tenant: Tenant, tree: Tree
) -> None:
    # given: a subscriber that saw three events, then went away while 1,000 more committed
    async with connect(api.app, tenant.token) as ws:
        await ws.subscribe("1", {"after": "0"})
        await emit(api, tenant, tree, "A1", 3)
        seen = await ws.events(3)
    last = seen[-1]["cursor"]
    await emit(api, tenant, tree, "A1", 1000, per_commit=50)
    # when: it resumes while 200 more commit during the replay
    async with connect(api.app, tenant.token) as ws:
        await ws.subscribe("1", {"after": last})
        writer = asyncio.create_task(emit(api, tenant, tree, "B1", 200, per_commit=10))
        got = await ws.events(1200)
        await writer
        await emit(api, tenant, tree, "HQ", 1, type="TICKET_OPENED")
        marker = await ws.events(1)
    # then
    assert [int(e["cursor"]) for e in got] == list(range(int(last) + 1, int(last) + 1201))
    assert [e["data"]["n"] for e in got[:1000]] == list(range(1000))
    assert [e["node"]["code"] for e in got[1000:]] == ["B1"] * 200
    assert marker[0]["type"] == "TICKET_OPENED"
    assert int(marker[0]["cursor"]) == int(last) + 1201


async def test_subscriber_outside_a_subtree_receives_nothing_from_it(
    api: Api, tenant: Tenant, tree: Tree
) -> None:
    # given
    manager_b = await staff_token(api, tenant, tree, Role.MANAGER, "B")
    async with connect(api.app, manager_b) as ws:
        await ws.subscribe("1", {"after": "0"})
        # when
        await emit(api, tenant, tree, "A1", 20)
        await emit(api, tenant, tree, "A", 1)
        await emit(api, tenant, tree, None, 1)
        await emit(api, tenant, tree, "B1", 1)
        got = await ws.events(1)
    # then
    assert got[0]["node"] == {"code": "B1"}
    assert got[0]["cursor"] == "23"


async def test_types_and_node_filters(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    async with connect(api.app, tenant.token) as tickets, connect(api.app, tenant.token) as in_a:
        await tickets.subscribe("t", {"after": "0", "types": ["TICKET_OPENED", "TICKET_UPDATED"]})
        await in_a.subscribe("a", {"after": "0", "nodeId": tree.gid("A")})
        # when
        await emit(api, tenant, tree, "B1", 3)
        await emit(api, tenant, tree, "B1", 1, type="TICKET_OPENED")
        await emit(api, tenant, tree, "A1", 1, type="TICKET_UPDATED")
        got_tickets = await tickets.events(2)
        got_a = await in_a.events(1)
    # then
    assert [(e["type"], e["node"]["code"]) for e in got_tickets] == [
        ("TICKET_OPENED", "B1"), ("TICKET_UPDATED", "A1")
    ]
    assert [(e["type"], e["cursor"]) for e in got_a] == [("TICKET_UPDATED", "5")]


async def test_restart_between_commit_and_publish_loses_nothing(
    api: Api, tenant: Tenant, tree: Tree
) -> None:
    # given: commits whose publication never happened (the process died after commit)
    await emit(api, tenant, tree, "A1", 30, per_commit=10, publish=False)
    # when: a fresh process serves a subscriber resuming from the start
    restarted = create_app(settings_for(api.db), db=api.db, migrate_on_start=False)
    try:
        async with connect(restarted, tenant.token) as ws:
            await ws.subscribe("1", {"after": "0"})
            replayed = await ws.events(30)
            # and a live commit that is never published still arrives (the poll finds it)
            await emit(api, tenant, tree, "B1", 1, publish=False)
            polled = await ws.events(1)
    finally:
        await restarted.state.canopy.broker.close()
    # then
    assert [e["cursor"] for e in replayed] == [str(i) for i in range(1, 31)]
    assert polled[0]["cursor"] == "31"


async def test_role_without_event_read_gets_an_error(api: Api, tenant: Tenant, tree: Tree) -> None:
    sales = await staff_token(api, tenant, tree, Role.SALES)
    async with connect(api.app, sales) as ws:
        await ws.subscribe("1")
        msg = await ws.message()
    assert msg["type"] in {"next", "error"}
    errors = msg["payload"]["errors"] if msg["type"] == "next" else msg["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_connection_without_valid_token_is_refused(api: Api, tenant: Tenant) -> None:
    codes: list[int] = []
    try:
        async with connect(api.app, "cnp_1_not-a-token"):
            pass
    except* WebSocketDisconnect as group:
        codes = [exc.code for exc in _leaves(group)]
    assert codes == [4403]


async def test_revoked_token_closes_the_connection(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    created = (await api.ok(CREATE_TOKEN))["createApiToken"]
    async with connect(api.app, created["token"]) as ws:
        await ws.subscribe("1", {"after": "0"})
        await emit(api, tenant, tree, "A1", 1)
        assert len(await ws.events(1)) == 1
        # when
        revoked = await api.ok(REVOKE_TOKEN, {"id": created["apiToken"]["id"]})
        assert revoked["revokeApiToken"]["errors"] == []
        # then
        with pytest.raises(WebSocketDisconnect) as closed:
            await ws.message()
    assert closed.value.code == TOKEN_REVOKED
    assert "revoked" in (closed.value.reason or "")


async def test_server_pings_keep_the_connection_alive(api: Api, tenant: Tenant) -> None:
    # given a view whose keep-alive interval is short
    view = next(r.endpoint for r in api.app.routes if getattr(r, "path", "") == "/graphql")
    assert view.keep_alive
    interval, view.keep_alive_interval = view.keep_alive_interval, 0.05
    try:
        async with connect(api.app, tenant.token) as ws:
            # when / then: the first message the server sends unprompted is a ping
            msg = await ws.ws.receive_json()
    finally:
        view.keep_alive_interval = interval
    assert msg == {"type": "ping"}


async def test_http_client_cannot_subscribe_without_websocket(api: Api, tenant: Tenant) -> None:
    resp = await api.client.post(
        "/graphql", json={"query": "subscription { events { cursor } }"},
        headers={"Authorization": f"Bearer {tenant.token}"},
    )
    assert resp.status_code in {200, 400, 405}
    assert isinstance(resp, httpx.Response)


async def test_another_tenants_events_never_arrive(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    other = await api.make_tenant("globex")
    other_tree = Tree({"HQ": other.root_id})
    async with connect(api.app, tenant.token) as ws:
        await ws.subscribe("1", {"after": "0"})
        # when
        await emit(api, other, other_tree, "HQ", 5)
        await emit(api, tenant, tree, "A1", 1)
        got = await ws.events(1)
    # then
    assert (got[0]["cursor"], got[0]["node"]["code"]) == ("1", "A1")


async def test_a_missed_notification_is_caught_up_from_the_log_by_the_next(
    api: Api, tenant: Tenant, tree: Tree
) -> None:
    # given: no poll in time, and a subscriber that is live (it has received event 1)
    app = create_app(settings_for(api.db, event_poll_seconds=3600), db=api.db, migrate_on_start=False)

    async def announced(type: str) -> None:
        async with api.db.transaction(tenant_id=tenant.id) as session:
            session.info["publish"] = app.state.canopy.broker.publish
            outbox.emit(session, type, node_id=tree.ids["B1"])

    try:
        async with connect(app, tenant.token) as ws:
            await ws.subscribe("1", {"after": "0"})
            await announced("TICKET_OPENED")
            first = await ws.events(1)
            # when: a commit's notification is lost, then the next one is announced
            await emit(api, tenant, tree, "A1", 1, publish=False)
            await announced("TICKET_UPDATED")
            got = await ws.events(2)
    finally:
        await app.state.canopy.broker.close()
    # then: the lost one arrives first, read from the log
    assert first[0]["cursor"] == "1"
    assert [(e["cursor"], e["type"]) for e in got] == [("2", "TIER_NODE_CHANGED"), ("3", "TICKET_UPDATED")]
