"""/metrics: labels by route template only; served to its token, else to loopback only."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory


async def test_random_paths_add_no_series(api: Api, tenant: Tenant) -> None:
    # given: every label this app can produce has been seen once
    for method in ("POST", "BREW"):
        await api.client.request(method, "/bots/first/path")
    await api.client.get("/metrics")
    before = (await api.client.get("/metrics")).text.count("\n")
    # when: 30 requests to random paths, with random methods too
    for i in range(30):
        await api.client.request("POST" if i % 2 else "BREW", f"/bots/{uuid.uuid4().hex}/{uuid.uuid4().hex}")
    after = (await api.client.get("/metrics")).text
    # then: no new line, and no raw path in any label
    assert after.count("\n") == before
    assert 'path="unmatched"' in after and "BREW" not in after


async def test_metrics_need_the_token_or_loopback(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app, client=("203.0.113.7", 4000)),
                               base_url="http://test")
    async with remote:
        assert (await remote.get("/metrics")).status_code == 404
    assert (await api.client.get("/metrics")).status_code == 200  # loopback peer, no token set
    async with api_with(metrics_token="m-secret") as guarded:
        assert (await guarded.client.get("/metrics")).status_code == 404
        assert (await guarded.client.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 404
        ok = await guarded.client.get("/metrics", headers={"authorization": "Bearer m-secret"})
    assert ok.status_code == 200 and "canopy_http_requests_total" in ok.text
