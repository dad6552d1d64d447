"""A loopback receiver that verifies signatures with the standardwebhooks library, a fake clock, helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import standardwebhooks

from db.base import utcnow
from resolvers.webhooks.worker import WebhookWorker
from schema.webhooks.delivery import render
from tests.conftest import Api
from tests.events.conftest import add_customer, emit, staff_token, tree  # noqa: F401  - fixtures

CREATE = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    secret webhook { id url state cursor eventTypes }
    errors { field code message }
  }
}"""

DELIVERIES = """
query($id: ID!) {
  node(id: $id) { ... on Webhook { state failingSince cursor deliveries(first: 50) { edges { node {
    id eventCursor webhookMessageId status attempt statusCode error nextRetryAt redelivery latencyMs
  } } } } }
}"""


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # the verified JSON, or None when the signature did not verify


@dataclass
class Receiver:
    """Answers each request with the next of `statuses` (then 200); records what it verified."""

    secret: str | None = None
    statuses: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None  # when set, requests wait until it is set
    arrived: threading.Event = field(default_factory=threading.Event)  # a request came in
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(30)
        payload = None
        if self.secret is not None:
            try:
                payload = standardwebhooks.Webhook(self.secret).verify(body, headers)
            except standardwebhooks.WebhookVerificationError:
                payload = None
        with self.lock:
            self.received.append(Received(path, headers, body, payload))
            status = self.statuses.pop(0) if self.statuses else 200
        return status, self.headers if status != 200 else {}

    @property
    def verified(self) -> list[Any]:
        return [r.payload for r in self.received if r.payload is not None]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status, extra = rec.handle(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    if rec.hold is not None:
        rec.hold.set()
    server.shutdown()
    server.server_close()


class FakeClock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_worker(api: Api, clock: FakeClock, **kw: Any) -> WebhookWorker:
    return WebhookWorker(api.db, render=render, production=False, clock=clock, jitter=0.0, **kw)


async def create_webhook(api: Api, url: str, *, token: str | None = "default", **fields: Any) -> dict[str, Any]:
    data = await api.ok(CREATE, {"input": {"url": url, **fields}}, token=token)
    return data["createWebhook"]


async def deliveries(api: Api, webhook_id: str, token: str | None = "default") -> dict[str, Any]:
    node = (await api.ok(DELIVERIES, {"id": webhook_id}, token=token))["node"]
    node["deliveries"] = [e["node"] for e in node["deliveries"]["edges"]]
    return node
