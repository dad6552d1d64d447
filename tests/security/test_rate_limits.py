"""Rate limits key on the verified staff member, else the peer; forwarded headers only from proxies."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Api, Tenant
from tests.security.conftest import ApiFactory

ME = {"query": "{ me { email } }"}


def _client(app: object, host: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 4000)), base_url="http://test")


async def test_random_invalid_tokens_are_limited_by_address(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    async with api_with(rate_limit_burst=1000, rate_limit_per_minute=3) as limited, \
            _client(limited.app, "198.51.100.1") as attacker, _client(limited.app, "198.51.100.2") as bystander:
        # when: a fresh random token on every request, from one address
        statuses = [(await attacker.post("/graphql", json=ME, headers={
            "authorization": f"Bearer cnp_1_{uuid.uuid4().hex}"})).status_code for _ in range(5)]
        other = await bystander.post("/graphql", json=ME)
    # then
    assert statuses == [200, 200, 200, 429, 429]
    assert other.status_code == 200


async def test_a_valid_token_is_limited_from_every_address(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    other = await api.make_tenant("other")
    auth = {"authorization": f"Bearer {tenant.token}"}
    async with api_with(rate_limit_burst=1000, rate_limit_per_minute=3) as limited:
        clients = [_client(limited.app, f"192.0.2.{i}") for i in range(4)]
        # when: the same staff member from four addresses
        statuses = [(await c.post("/graphql", json=ME, headers=auth)).status_code for c in clients]
        refused = await clients[0].post("/graphql", json=ME, headers=auth)
        others = await _client(limited.app, "192.0.2.9").post(
            "/graphql", json=ME, headers={"authorization": f"Bearer {other.token}"})
        for c in clients:
            await c.aclose()
    # then: limited as one caller; another staff member is not
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    assert others.status_code == 200


async def test_forwarded_for_is_believed_only_from_trusted_proxies(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    async def statuses(app: object, peer: str) -> list[int]:
        async with _client(app, peer) as client:
            return [(await client.post("/graphql", json=ME, headers={
                "x-forwarded-for": f"203.0.113.{i}"})).status_code for i in range(4)]

    async with api_with(rate_limit_per_minute=3) as untrusted:
        spoofed = await statuses(untrusted.app, "198.51.100.5")
    async with api_with(rate_limit_per_minute=3, trusted_proxies=("10.0.0.0/8",)) as behind_proxy:
        proxied = await statuses(behind_proxy.app, "10.1.2.3")
    # then: a client's own header changes nothing; the proxy's names four distinct clients
    assert spoofed == [200, 200, 200, 429]
    assert proxied == [200, 200, 200, 200]


async def test_limits_are_shared_through_redis(api: Api, tenant: Tenant, api_with: ApiFactory) -> None:
    shared = {"redis_url": "redis://127.0.0.1:6379/0", "redis_channel_prefix": f"t-{uuid.uuid4().hex[:8]}",
              "rate_limit_per_minute": 2}
    auth = {"authorization": f"Bearer {tenant.token}"}
    async with api_with(**shared) as one, api_with(**shared) as two:
        first = await one.client.post("/graphql", json=ME, headers=auth)
        second = await two.client.post("/graphql", json=ME, headers=auth)
        third = await one.client.post("/graphql", json=ME, headers=auth)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
