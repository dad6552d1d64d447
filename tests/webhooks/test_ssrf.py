"""The URL policy: refused at createWebhook and again at each delivery, after DNS resolution."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from config import Settings
from db.session import Database
from resolvers.webhooks.worker import WebhookWorker
from schema.webhooks.delivery import render
from server import create_app
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, emit
from tests.webhooks.conftest import CREATE, FakeClock, Receiver, create_webhook, deliveries


@pytest.fixture
async def prod_api(database: Database) -> AsyncIterator[Api]:
    settings = Settings(database_url=database.url, debug=True, env="production")
    app = create_app(settings, db=database, migrate_on_start=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(app, client, database)


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://10.0.0.1/hook",  # private network
    "https://localhost/hook",  # a name resolving to 127.0.0.1
    "https://[::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private address
    "http://93.184.215.14/hook",  # public, but plain http in production
])
async def test_production_refuses_non_public_and_plain_http_urls(prod_api: Api, url: str) -> None:
    made = await prod_api.make_tenant("prod")
    body = await prod_api.ok(CREATE, {"input": {"url": url}}, token=made.token)
    result = body["createWebhook"]
    assert result["webhook"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(["url"], "INVALID")]
    listed = await prod_api.ok("{ webhooks { id } }", token=made.token)
    assert listed["webhooks"] == []  # nothing was created


@pytest.mark.parametrize("url", ["ftp://example.com/x", "https://user:pw@example.com/x", "/relative", "http://10.0.0.1/"])
async def test_development_refuses_bad_urls_and_non_loopback_http(api: Api, tenant: Tenant, url: str) -> None:
    result = (await api.ok(CREATE, {"input": {"url": url}}))["createWebhook"]
    assert result["webhook"] is None and result["errors"][0]["field"] == ["url"]


async def test_each_delivery_rechecks_the_resolved_address(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    # given: an https webhook accepted (outside production)
    async def rebound(host: str, port: int) -> list[str]:
        return ["169.254.169.254"]

    made = await create_webhook(api, receiver.url.replace("http://127.0.0.1", "https://localhost"))
    assert made["errors"] == []
    await emit(api, tenant, tree, "A1", 1)
    # when: its name now resolves to the metadata address, in production
    worker = WebhookWorker(api.db, render=render, production=True, clock=clock, jitter=0.0, resolver=rebound)
    try:
        await worker.run_once()
    finally:
        await worker.stop()
    # then: no request left; the delivery waits for a retry with the reason
    assert receiver.received == []
    [delivery] = (await deliveries(api, made["webhook"]["id"]))["deliveries"]
    assert delivery["status"] == "PENDING" and delivery["statusCode"] is None
    assert "non-public address (169.254.169.254)" in delivery["error"]
