"""Fixtures for the event log: an app tuned for tests, a small tree, websocket clients."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from config import Settings
from db import outbox
from db.base import new_id
from db.models.core import Role
from db.models.customers import Customer
from db.models.tree import TierNode, path_segment
from db.session import Database
from schema.relay import to_global_id
from server import create_app
from tests.conftest import Api, Tenant

SUBSCRIBE = """
subscription($after: String, $types: [EventType!], $nodeId: ID) {
  events(after: $after, types: $types, nodeId: $nodeId) {
    cursor type occurredAt data node { code } subject { id ... on TierNode { code } }
  }
}"""

# Small periods so the tests see the poll and the token re-check quickly.
TEST_SETTINGS = {"event_poll_seconds": 0.2, "token_recheck_seconds": 0.2, "event_buffer": 2000}


def settings_for(database: Database, **overrides: Any) -> Settings:
    return Settings(database_url=database.url, debug=True, **{**TEST_SETTINGS, **overrides})


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    """The root `api`, with the event settings above and the broker closed at teardown."""
    app = create_app(settings_for(database), db=database, migrate_on_start=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(app, client, database)
    await app.state.canopy.broker.close()


@dataclass
class Tree:
    """HQ -> region A -> store A1; HQ -> region B -> store B1 (ids by code)."""

    ids: dict[str, int]

    def gid(self, code: str) -> str:
        return to_global_id("TierNode", self.ids[code])


def _child(tenant_id: int, parent: TierNode, code: str, kind: str) -> TierNode:
    node_id = new_id()
    return TierNode(
        tenant_id=tenant_id, id=node_id, parent_id=parent.id, code=code, name=code, kind=kind,
        path=parent.path + path_segment(node_id) + "/", depth=parent.depth + 1,
    )


@pytest.fixture
async def tree(api: Api, tenant: Tenant) -> Tree:
    async with api.db.transaction(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
        assert root is not None
        a, b = _child(tenant.id, root, "A", "region"), _child(tenant.id, root, "B", "region")
        a1, b1 = _child(tenant.id, a, "A1", "store"), _child(tenant.id, b, "B1", "store")
        session.add_all([a, b, a1, b1])
    return Tree({"HQ": root.id, "A": a.id, "B": b.id, "A1": a1.id, "B1": b1.id})


async def emit(
    api: Api, tenant: Tenant, tree: Tree, code: str | None, count: int = 1, *,
    type: str = "TIER_NODE_CHANGED", per_commit: int = 100, publish: bool = True,
    data: dict[str, Any] | None = None,
) -> None:
    """Commit `count` events at node `code` (None: tenant-level), `per_commit` per transaction."""
    broker = api.app.state.canopy.broker
    done = 0
    while done < count:
        async with api.db.transaction(tenant_id=tenant.id) as session:
            if publish:
                session.info["publish"] = broker.publish
            subject = await session.get(TierNode, (tenant.id, tree.ids[code])) if code else None
            for _ in range(min(per_commit, count - done)):
                outbox.emit(session, type, subject=subject, node_id=subject.id if subject else None,
                            data={"n": done, **(data or {})})
                done += 1


async def add_customer(api: Api, tenant: Tenant, tree: Tree, code: str, *, email: str, phone: str) -> Customer:
    """A customer at node `code` and its CUSTOMER_CREATED event, published."""
    async with api.db.transaction(tenant_id=tenant.id) as session:
        session.info["publish"] = api.app.state.canopy.broker.publish
        customer = Customer(tenant_id=tenant.id, node_id=tree.ids[code], name="Ada", email=email, phone=phone)
        session.add(customer)
        await session.flush()
        outbox.emit(session, "CUSTOMER_CREATED", subject=customer, node_id=customer.node_id,
                    data={"name": "Ada", "email": email, "phone": phone, "tags": ["vip"]})
    return customer


async def live(app: Any, tenant_id: int, count: int) -> None:
    """Wait until `count` subscriptions of the tenant are registered and past their replay: an
    event committed from then on reaches each of them live (a fixed sleep is too short under load)."""
    feeds = app.state.canopy.broker.feeds
    async with asyncio.timeout(30):
        while sum(s.live for s in getattr(feeds.get(tenant_id), "subscribers", ())) < count:  # noqa: ASYNC110 - nothing signals a stream going live
            await asyncio.sleep(0.01)


async def staff_token(api: Api, tenant: Tenant, tree: Tree, role: Role, code: str = "HQ") -> str:
    return await api.make_staff(tenant, role=role, scope_node_id=tree.ids[code],
                                email=f"{uuid.uuid4().hex[:8]}@{tenant.slug}.example")


class GqlWs:
    """A graphql-transport-ws client over one websocket; answers the server's pings."""

    def __init__(self, ws: AsyncWebSocketSession) -> None:
        self.ws = ws

    async def subscribe(self, op_id: str, variables: dict[str, Any] | None = None,
                        query: str = SUBSCRIBE) -> None:
        await self.ws.send_json({"id": op_id, "type": "subscribe",
                                 "payload": {"query": query, "variables": variables or {}}})

    async def message(self) -> dict[str, Any]:
        """The next message that is not a ping."""
        while True:
            msg = await self.ws.receive_json()
            if msg["type"] == "ping":
                await self.ws.send_json({"type": "pong"})
                continue
            return msg

    async def events(self, count: int) -> list[dict[str, Any]]:
        out = []
        while len(out) < count:
            msg = await self.message()
            assert msg["type"] == "next", msg
            assert "errors" not in msg["payload"], msg
            out.append(msg["payload"]["data"]["events"])
        return out


@asynccontextmanager
async def connect(app: Any, token: str) -> AsyncIterator[GqlWs]:
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://test") as client:
        async with aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
            ack = await ws.receive_json()
            assert ack["type"] == "connection_ack", ack
            yield GqlWs(ws)
