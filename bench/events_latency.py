"""Event latency, commit to subscriber: `python -m bench.events_latency [--events N]`.

One `canopy serve`-like uvicorn process on loopback (SQLite by default, or
CANOPY_DATABASE_URL; CANOPY_REDIS_URL routes fan-out through Redis). For 1, 100
and 1,000 concurrent subscribers (real websockets, graphql-transport-ws), each
event is one createCustomer mutation; latency is from the event's occurredAt
(stamped in the server's transaction, just before commit) to its arrival at each
subscriber. Events go one at a time, so the figures are latency, not saturation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table
from websockets.asyncio.client import ClientConnection, connect

from bench import guard
from db.session import Database
from resolvers.core.auth import issue_token
from resolvers.core.tenants import create_admin, get_or_create_tenant
from schema.relay import to_global_id

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIBE = "subscription { events(types: [CUSTOMER_CREATED]) { cursor type occurredAt } }"
CREATE = 'mutation($n: ID!, $name: String!) { createCustomer(input: {nodeId: $n, name: $name}) { errors { code } } }'


async def start_server(url: str, port: int) -> asyncio.subprocess.Process:
    # 1,000 sockets of one staff member would trip the per-caller rate limit.
    env = {**os.environ, "CANOPY_DATABASE_URL": url,
           "CANOPY_RATE_LIMIT_PER_MINUTE": "100000000", "CANOPY_RATE_LIMIT_BURST": "100000"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "server:create_app", "--factory", "--port", str(port),
        "--log-level", "warning", "--no-access-log", "--ws", "websockets-sansio",
        "--ws-per-message-deflate", "false",  # as canopy serve
        cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
    )
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def admin(url: str) -> tuple[str, str]:
    db = Database(url)
    async with db.transaction(all_tenants=True) as session:
        tenant, root = await get_or_create_tenant(session, slug="bench-events")
        staff = await create_admin(session, tenant=tenant, root=root,
                                   email=f"admin{time.time_ns()}@bench.example", password="bench-password")
        secret, _ = await issue_token(session, staff, name="bench")
    await db.dispose()
    return secret, to_global_id("TierNode", root.id)


async def subscriber(url: str, token: str) -> ClientConnection:
    conn = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)  # type: ignore[list-item]
    await conn.send(orjson.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}).decode())
    assert orjson.loads(await conn.recv())["type"] == "connection_ack"
    await conn.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}).decode())
    return conn


async def receive(conn: ClientConnection) -> float:
    """Seconds from the next event's occurredAt to its arrival here."""
    while True:
        msg = orjson.loads(await conn.recv())
        if msg["type"] == "ping":
            await conn.send('{"type":"pong"}')
        elif msg["type"] == "next":
            arrived = time.time()
            occurred = datetime.fromisoformat(msg["payload"]["data"]["events"]["occurredAt"]).timestamp()
            return arrived - occurred
        else:
            raise RuntimeError(f"unexpected message {msg}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(ws_url: str, http: httpx.AsyncClient, node: str, token: str, subscribers: int,
                  events: int, pid: int) -> dict[str, Any]:
    conns = [await subscriber(ws_url, token) for _ in range(subscribers)]
    try:
        # A first event tells that every subscription is live before measuring.
        await create(http, node)
        await asyncio.gather(*(receive(c) for c in conns))
        latencies: list[float] = []
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        for _ in range(events):
            waiting = [asyncio.create_task(receive(c)) for c in conns]
            await create(http, node)
            latencies += await asyncio.gather(*waiting)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_before
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {"subscribers": subscribers, "events": events, "deliveries": len(latencies),
            "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "max_ms": max(latencies) * 1000,
            "deliveries_per_s": len(latencies) / elapsed,
            # The server's CPU per event, the mutation that makes it included (see the 1-subscriber row).
            "server_cpu_ms": cpu / events * 1000}


async def create(http: httpx.AsyncClient, node: str) -> None:
    body = (await http.post("/graphql", json={"query": CREATE, "variables": {"n": node, "name": "Bench"}})).json()
    assert body["data"]["createCustomer"]["errors"] == [], body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main(events: int, counts: list[int], *, reuse: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("CANOPY_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/events-bench.db"
        await guard.refuse_canopy_tables(url, reuse=reuse)
        port = free_port()
        proc = await start_server(url, port)
        try:
            token, node = await admin(url)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
                rows = [await measure(f"ws://127.0.0.1:{port}/graphql", http, node, token, n, events, proc.pid)
                        for n in counts]
        finally:
            proc.terminate()
            await proc.wait()
    table = Table(title=f"Event latency, commit -> subscriber ({url.split(':')[0]}, one process)")
    for col in ("subscribers", "events", "deliveries", "p50 ms", "p99 ms", "max ms", "deliveries/s", "server CPU ms/event"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["subscribers"]), str(r["events"]), str(r["deliveries"]), f"{r['p50_ms']:.1f}",
                      f"{r['p99_ms']:.1f}", f"{r['max_ms']:.1f}", f"{r['deliveries_per_s']:.0f}", f"{r['server_cpu_ms']:.1f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20, help="events measured per subscriber count")
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--reuse", action="store_true",
                        help="write into CANOPY_DATABASE_URL even though it holds Canopy tables")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.subscribers, reuse=args.reuse))
