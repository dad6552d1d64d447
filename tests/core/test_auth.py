"""Login, tokens, the authentication gate and error handling of the endpoint."""

from __future__ import annotations

from tests.conftest import PASSWORD, Api, Tenant

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token staff { name email role scope { code depth } } errors { field code message }
  }
}"""

ME = "{ me { email role scope { code } } }"


async def test_login_returns_token_that_answers_me(api: Api, tenant: Tenant) -> None:
    # when
    data = await api.ok(LOGIN, {"email": "ADMIN@acme.example", "password": PASSWORD}, token=None)
    # then
    payload = data["login"]
    assert payload["errors"] == []
    assert payload["staff"]["role"] == "ADMIN"
    assert payload["staff"]["scope"] == {"code": "HQ", "depth": 0}
    me = await api.ok(ME, token=payload["token"])
    assert me["me"] == {"email": "admin@acme.example", "role": "ADMIN", "scope": {"code": "HQ"}}


async def test_wrong_password_is_a_user_error(api: Api, tenant: Tenant) -> None:
    data = await api.ok(LOGIN, {"email": "admin@acme.example", "password": "nope"}, token=None)
    assert data["login"]["token"] is None
    assert data["login"]["errors"][0]["code"] == "INVALID"


async def test_no_token_only_login_works(api: Api, tenant: Tenant) -> None:
    body = await api.post(ME, token=None)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await api.post(ME, token="cnp_1_not-a-real-token")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_api_token_lifecycle(api: Api, tenant: Tenant) -> None:
    # given
    created = await api.ok(
        'mutation { createApiToken(input: {name: "erp"}) { token apiToken { id name prefix } errors { code } } }'
    )
    secret = created["createApiToken"]["token"]
    token_id = created["createApiToken"]["apiToken"]["id"]
    assert secret.startswith(created["createApiToken"]["apiToken"]["prefix"])
    assert (await api.ok(ME, token=secret))["me"]["email"] == "admin@acme.example"
    # when
    revoked = await api.ok(
        "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { revokedAt } errors { code } } }",
        {"id": token_id},
    )
    # then
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    body = await api.post(ME, token=secret)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_malformed_requests_get_clear_errors(api: Api, tenant: Tenant) -> None:
    resp = await api.client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert resp.status_code == 400
    resp = await api.client.post("/graphql", json={"nothing": 1})
    assert resp.status_code == 400
    body = await api.post("{ me { nope } }")
    assert "nope" in body["errors"][0]["message"]


async def test_unknown_global_id_is_null(api: Api, tenant: Tenant) -> None:
    data = await api.ok('{ node(id: "VGllck5vZGU6MQ") { id } a: node(id: "garbage") { id } }')
    assert data == {"node": None, "a": None}


async def test_healthz_and_metrics(api: Api) -> None:
    resp = await api.client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"
    metrics = (await api.client.get("/metrics")).text
    assert 'canopy_http_requests_total{method="GET",path="/healthz",status="200"}' in metrics
