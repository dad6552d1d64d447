"""Webhook delivery: `python -m bench.webhooks [--events N] [--webhooks W]`.

One worker (as in `canopy serve`, polling every 50 ms) delivers to W webhooks
on a loopback receiver (http.server in a thread); N events commit one per
transaction, all beforehand (throughput: deliveries per second until the last
arrives) and then 40 one at a time, 250 ms apart (delay: from the event's occurredAt, stamped
just before commit, to its arrival at the receiver; p50/p99).
SQLite by default, or CANOPY_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from bench import guard
from db import outbox
from db.migrate import migrate
from db.session import Database
from resolvers.core.auth import viewer_of
from resolvers.core.tenants import create_admin, get_or_create_tenant
from resolvers.webhooks import service
from resolvers.webhooks.worker import WebhookWorker
from schema.webhooks.delivery import render


class Arrivals(list[tuple[float, dict[str, Any]]]):
    """What the receiver got, and an event set once `target` requests are in."""

    def __init__(self) -> None:
        super().__init__()
        self.lock, self.target, self.done = threading.Lock(), 0, threading.Event()

    def expect(self, count: int) -> threading.Event:
        with self.lock:
            self.clear()
            self.target, self.done = count, threading.Event()
            return self.done

    def add(self, item: tuple[float, dict[str, Any]]) -> None:
        with self.lock:
            self.append(item)
            if len(self) >= self.target:
                self.done.set()


def start_receiver() -> tuple[ThreadingHTTPServer, Arrivals]:
    arrivals = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            arrivals.add((time.time(), orjson.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, arrivals


async def commit_events(db: Database, tenant_id: int, count: int, pause: float = 0.0) -> None:
    for n in range(count):
        async with db.transaction(tenant_id=tenant_id) as session:
            outbox.emit(session, "TIER_NODE_CHANGED", data={"n": n}, tenant_id=tenant_id)
        if pause:
            await asyncio.sleep(pause)


async def main(events: int, webhooks: int, *, reuse: bool = False) -> dict[str, float]:
    tmp = tempfile.mkdtemp()
    url = os.environ.get("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp}/bench.db")
    await guard.refuse_canopy_tables(url, reuse=reuse)
    db = Database(url)
    await migrate(db)
    server, arrivals = start_receiver()
    receiver = f"http://127.0.0.1:{server.server_address[1]}/hook"
    async with db.transaction(all_tenants=True) as session:
        tenant, root = await get_or_create_tenant(session, slug="bench-webhooks")
        admin = await create_admin(session, tenant=tenant, root=root, email="a@bench.example", password="x" * 12)
    viewer = viewer_of(admin, root.path)
    for _ in range(webhooks):
        async with db.transaction(tenant_id=tenant.id) as session:
            await service.create_webhook(session, viewer, url=receiver, event_types=[], node_id=None,
                                         secret=None, production=False)
    await commit_events(db, tenant.id, events)
    done = arrivals.expect(events * webhooks)
    worker = WebhookWorker(db, render=render, production=False, poll_seconds=0.05).start()
    started = time.monotonic()
    await asyncio.to_thread(done.wait, 600)
    throughput = len(arrivals) / (time.monotonic() - started)
    live = 40
    done = arrivals.expect(live * webhooks)
    await commit_events(db, tenant.id, live, pause=0.25)  # below saturation: latency
    await asyncio.to_thread(done.wait, 600)
    await worker.stop()
    server.shutdown()
    await db.dispose()
    delays = sorted(
        (at - datetime.fromisoformat(body["data"]["occurredAt"]).timestamp()) * 1000 for at, body in arrivals
    )
    return {
        "deliveries_per_second": round(throughput, 1),
        "delay_p50_ms": round(statistics.median(delays), 1),
        "delay_p99_ms": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))], 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--webhooks", type=int, default=4)
    parser.add_argument("--reuse", action="store_true",
                        help="write into CANOPY_DATABASE_URL even though it holds Canopy tables")
    args = parser.parse_args()
    figures = asyncio.run(main(args.events, args.webhooks, reuse=args.reuse))
    print(orjson.dumps({"events": args.events, "webhooks": args.webhooks, **figures}).decode())
