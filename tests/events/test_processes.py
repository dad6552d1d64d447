"""Two real server processes sharing PostgreSQL and Redis: a write on one reaches the other.

Needs PostgreSQL (CANOPY_TEST_POSTGRES_URL) and Redis (CANOPY_TEST_REDIS_URL); outside
CI they are skipped when absent, with CI=true they must be there.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import connect

from db.session import Database
from resolvers.core.auth import issue_token
from resolvers.core.tenants import create_admin, get_or_create_tenant
from tests.conftest import IN_CI, PASSWORD, PG_URL
from tests.events.conftest import SUBSCRIBE

REDIS_URL = os.environ.get("CANOPY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
CREATE_CUSTOMER = """
mutation($nodeId: ID!, $name: String!) {
  createCustomer(input: {nodeId: $nodeId, name: $name, email: "x@example.com"}) { errors { code } }
}"""


async def _require_services() -> None:
    try:
        redis = Redis.from_url(REDIS_URL)
        await redis.ping()
        await redis.aclose()
        engine = create_async_engine(PG_URL)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        await engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means the service is absent
        if IN_CI:
            pytest.fail(f"PostgreSQL and Redis are required in CI: {exc}")
        pytest.skip(f"needs PostgreSQL at {PG_URL} and Redis at {REDIS_URL}: {exc}")


@asynccontextmanager
async def _database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the servers to migrate and share."""
    name = f"canopy_ev_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def _servers(url: str, count: int) -> AsyncIterator[list[int]]:
    """`count` uvicorn processes on loopback ports; no poll in time: only Redis carries events."""
    env = {**os.environ, "CANOPY_DATABASE_URL": url, "CANOPY_REDIS_URL": REDIS_URL,
           "CANOPY_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}", "CANOPY_EVENT_POLL_SECONDS": "3600"}
    ports = [_free_port() for _ in range(count)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "server:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            cwd=ROOT, env=env,
        )
        for port in ports
    ]
    try:
        async with httpx.AsyncClient() as client:
            for port in ports:
                for _ in range(300):  # both migrate first (one waits on the other's lock)
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"server on port {port} did not start")
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            await proc.wait()


async def _admin_token(url: str) -> tuple[str, str]:
    db = Database(url)
    try:
        async with db.transaction(all_tenants=True) as session:
            tenant, root = await get_or_create_tenant(session, slug="acme")
            admin = await create_admin(session, tenant=tenant, root=root, email="admin@acme.example",
                                       password=PASSWORD)
            secret, _ = await issue_token(session, admin, name="test")
    finally:
        await db.dispose()
    from schema.relay import to_global_id

    return secret, to_global_id("TierNode", root.id)


async def _subscribe(port: int, token: str) -> Any:
    conn = await connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await conn.send(orjson.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}).decode())
    assert orjson.loads(await conn.recv())["type"] == "connection_ack"
    await conn.send(orjson.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE, "variables": {"after": "0"}}}).decode())
    return conn


async def _next_events(conn: Any, count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < count:
        msg = orjson.loads(await conn.recv())
        if msg["type"] == "ping":
            await conn.send('{"type":"pong"}')
            continue
        assert msg["type"] == "next" and "errors" not in msg["payload"], msg
        out.append(msg["payload"]["data"]["events"])
    return out


async def test_a_mutation_on_one_process_reaches_a_subscriber_on_the_other() -> None:
    await _require_services()
    async with _database() as url, _servers(url, 2) as (port_a, port_b):
        token, root_id = await _admin_token(url)
        on_b = await _subscribe(port_b, token)
        on_a = await _subscribe(port_a, token)
        got_a: list[dict[str, Any]] = []
        got_b: list[dict[str, Any]] = []
        try:
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client, \
                    asyncio.timeout(60):  # a hang guard: without Redis nothing would arrive
                # given: both subscriptions are live (each has received the first event)
                await _create(client, port_a, root_id, "Ada")
                got_a += await _next_events(on_a, 1)
                got_b += await _next_events(on_b, 1)
                # when: customers are created through process A, then through process B
                await _create(client, port_a, root_id, "Bob")
                got_b += await _next_events(on_b, 1)
                await _create(client, port_b, root_id, "Cyd")
                got_a += await _next_events(on_a, 2)
                got_b += await _next_events(on_b, 1)
        finally:
            await on_a.close()
            await on_b.close()
    # then: both subscribers see the three events, once each, in commit order
    for got in (got_a, got_b):
        assert [e["cursor"] for e in got] == ["1", "2", "3"]
        assert {e["type"] for e in got} == {"CUSTOMER_CREATED"}
        assert all(e["subject"]["id"] for e in got)


async def _create(client: httpx.AsyncClient, port: int, node_id: str, name: str) -> None:
    resp = await client.post(f"http://127.0.0.1:{port}/graphql",
                             json={"query": CREATE_CUSTOMER, "variables": {"nodeId": node_id, "name": name}})
    assert resp.json()["data"]["createCustomer"]["errors"] == [], resp.json()
