"""GET reads are cacheable by the browser for this user only (private + ETag, 304 when
unchanged); mutations never run over GET (405); failed-before-execution answers have no
`data` entry for graphql-response+json clients."""

from __future__ import annotations

import httpx

from tests.conftest import Api, Tenant
from tests.security.conftest import all_rows

ME = "query Me { me { name email } }"
RENAME = 'mutation { createApiToken(input: {name: "x"}) { token errors { code } } }'
GQL = "application/graphql-response+json"


async def get(api: Api, query: str, token: str, **headers: str) -> httpx.Response:
    return await api.client.get("/graphql", params={"query": query}, headers={
        "authorization": f"Bearer {token}", "accept": "application/json", **headers})


async def test_a_get_read_has_an_etag_and_revalidates_to_304(api: Api, tenant: Tenant) -> None:
    # when
    first = await get(api, ME, tenant.token)
    again = await get(api, ME, tenant.token, **{"if-none-match": first.headers["etag"]})
    weak = await get(api, ME, tenant.token, **{"if-none-match": f'"other", W/{first.headers["etag"]}'})
    star = await get(api, ME, tenant.token, **{"if-none-match": "*"})
    stale = await get(api, ME, tenant.token, **{"if-none-match": '"not-it"'})
    # then
    assert first.status_code == 200 and first.json()["data"]["me"]["email"] == "admin@acme.example"
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["etag"].startswith('"') and first.headers["etag"].endswith('"')
    assert {"accept", "authorization"} <= {v.strip().lower() for v in first.headers["vary"].split(",")}
    for resp in (again, weak, star):
        assert resp.status_code == 304 and resp.content == b""
        assert resp.headers["etag"] == first.headers["etag"]
        assert resp.headers["cache-control"] == "private, no-cache"
    assert stale.status_code == 200 and stale.json() == first.json()


async def test_the_etag_follows_the_data_and_the_viewer(api: Api, tenant: Tenant) -> None:
    from db.models.core import Role

    first = await get(api, ME, tenant.token)
    other_token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=tenant.root_id)
    # when: someone else asks with the first one's tag
    other = await get(api, ME, other_token, **{"if-none-match": first.headers["etag"]})
    # then: another body, another tag
    assert other.status_code == 200 and other.json()["data"]["me"]["email"] != "admin@acme.example"
    assert other.headers["etag"] != first.headers["etag"]


async def test_post_answers_and_errors_carry_no_etag(api: Api, tenant: Tenant) -> None:
    post = await api.client.post("/graphql", json={"query": ME},
                                 headers={"authorization": f"Bearer {tenant.token}"})
    bad = await get(api, "{ nope }", tenant.token)
    assert post.status_code == 200 and "etag" not in post.headers
    assert bad.status_code == 200 and bad.json()["errors"]
    assert "etag" not in bad.headers and bad.headers["cache-control"] == "private, no-store"


async def test_mutations_over_get_are_405_and_change_nothing(api: Api, tenant: Tenant) -> None:
    before = len((await all_rows(api))["api_token"])
    plain = await get(api, RENAME, tenant.token)
    gql = await get(api, RENAME, tenant.token, accept=GQL)
    named = await api.client.get("/graphql", params={
        "query": f"query Q {{ __typename }} {RENAME.replace('mutation', 'mutation M')}", "operationName": "M"},
        headers={"authorization": f"Bearer {tenant.token}"})
    for resp in (plain, gql, named):
        assert resp.status_code == 405 and resp.headers["allow"] == "POST", resp.text
        assert resp.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
        assert "etag" not in resp.headers
    assert "data" not in gql.json() and plain.json()["data"] is None
    assert len((await all_rows(api))["api_token"]) == before


async def test_no_data_entry_when_the_request_fails_before_execution(api: Api, tenant: Tenant) -> None:
    auth = {"authorization": f"Bearer {tenant.token}"}
    cases = {
        "parse": {"json": {"query": "{"}},
        "validation": {"json": {"query": "{ nope }"}},
        "json": {"content": b"{not json", "headers": {"content-type": "application/json"}},
        "unauthenticated": {"json": {"query": ME}, "auth": False},
    }
    for name, case in cases.items():
        headers = {**(auth if case.get("auth", True) else {}), **case.get("headers", {})}
        kw = {k: v for k, v in case.items() if k in {"json", "content"}}
        gql = await api.client.post("/graphql", headers={**headers, "accept": GQL}, **kw)
        plain = await api.client.post("/graphql", headers={**headers, "accept": "application/json"}, **kw)
        # then: graphql-response+json: 4xx and no data; application/json keeps data: null
        assert gql.status_code == 400 and gql.headers["content-type"].startswith(GQL), name
        assert "data" not in gql.json() and gql.json()["errors"], name
        assert plain.json()["data"] is None and plain.json()["errors"], name
