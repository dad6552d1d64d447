"""The staff list: scope, filters, paging, lastLoginAt, apiTokens (visibility, no secret, no N+1)."""

from __future__ import annotations

from typing import Any

from db.models.core import Role
from tests.conftest import PASSWORD, Api, Tenant
from tests.staff.world import build_chain, member

LIST = """query($filter: StaffFilter, $first: Int, $after: String) {
  staff(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { email role active } } } }"""
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } } }"""
TOKENS = """query($filter: StaffFilter, $inactive: Boolean!) { staff(filter: $filter) { edges { node {
  email lastLoginAt apiTokens(includeInactive: $inactive) { totalCount edges { node {
    name kind prefix createdAt lastUsedAt expiresAt revoked revokedAt } } } } } } }"""
DEACTIVATE = "mutation($id: ID!) { deactivateStaff(input: {id: $id}) { errors { code field } } }"


async def _emails(api: Api, token: str, filter: dict[str, Any] | None = None) -> list[str]:
    data = await api.ok(LIST, {"filter": filter}, token=token)
    return [e["node"]["email"] for e in data["staff"]["edges"]]


async def test_each_caller_lists_the_staff_of_their_subtree(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    everyone = {chain.admin.email, chain.manager.email, chain.sales.email, chain.support.email}
    assert set(await _emails(api, chain.admin.token)) == everyone
    assert set(await _emails(api, chain.manager.token)) == {chain.manager.email, chain.sales.email}
    assert await _emails(api, chain.sales.token) == [chain.sales.email]
    assert await _emails(api, chain.support.token) == [chain.support.email]


async def test_filters_by_role_subtree_active_and_search(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    admin = chain.admin.token
    assert await _emails(api, admin, {"role": "SALES"}) == [chain.sales.email]
    assert set(await _emails(api, admin, {"nodeId": chain.nodes["NORTH"]})) == {chain.manager.email, chain.sales.email}
    assert await _emails(api, admin, {"nodeId": chain.nodes["SOUTH"]}) == [chain.support.email]
    assert await _emails(api, admin, {"search": "SUE.sup"}) == [chain.support.email]
    assert await _emails(api, admin, {"search": "acme sam"}) == [chain.sales.email]  # every word must match
    assert await _emails(api, admin, {"search": "%"}) == []  # LIKE wildcards are literal
    deactivated = (await api.ok(DEACTIVATE, {"id": chain.sales.id}))["deactivateStaff"]
    assert deactivated["errors"] == []
    assert await _emails(api, admin, {"active": False}) == [chain.sales.email]
    assert chain.sales.email not in await _emails(api, admin, {"active": True})
    # a node outside the caller's scope (or no node at all) matches nothing, as an empty subtree would
    assert await _emails(api, chain.manager.token, {"nodeId": chain.nodes["SOUTH"]}) == []
    assert await _emails(api, chain.manager.token, {"nodeId": chain.nodes["HQ"]}) == []
    assert await _emails(api, admin, {"nodeId": "not-an-id"}) == []


async def test_pages_follow_the_cursor_without_gaps(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    seen: list[str] = []
    after = None
    while True:
        page = (await api.ok(LIST, {"first": 3, "after": after}))["staff"]
        assert page["totalCount"] == 4
        seen += [e["node"]["email"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted({chain.admin.email, chain.manager.email, chain.sales.email, chain.support.email})
    assert len(seen) == 4
    bad = await api.post(LIST, {"after": "eyJ4IjoxfQ"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_last_login_and_tokens_without_their_secrets(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    # given: sam logs in once and uses the session
    session = (await api.ok(LOGIN, {"email": chain.sales.email, "password": PASSWORD}, token=None))["login"]["token"]
    await api.ok("{ me { id } }", token=session)
    # when
    data = await api.ok(TOKENS, {"filter": {"search": "sam.sales"}, "inactive": False})
    node = data["staff"]["edges"][0]["node"]
    # then
    assert node["lastLoginAt"] is not None
    tokens = node["apiTokens"]["edges"]
    assert node["apiTokens"]["totalCount"] == 2
    assert [t["node"]["kind"] for t in tokens] == ["session", "api"]  # newest first
    assert all(t["node"]["lastUsedAt"] is not None for t in tokens)  # both were used by now
    # more use within the resolution writes nothing more
    await api.ok("{ me { id } }", token=session)
    again = await api.ok(TOKENS, {"filter": {"search": "sam.sales"}, "inactive": False})
    assert again["staff"]["edges"][0]["node"]["apiTokens"] == node["apiTokens"]
    assert all(t["node"]["revoked"] is False for t in tokens)
    body = str(data)
    assert session not in body and chain.sales.token not in body
    assert session[16:] not in body and chain.sales.token[16:] not in body  # only the 16-character prefix
    # revoked tokens leave the default list, and stay in the full one
    await api.ok(DEACTIVATE, {"id": chain.sales.id})
    live = await api.ok(TOKENS, {"filter": {"search": "sam.sales"}, "inactive": False})
    full = await api.ok(TOKENS, {"filter": {"search": "sam.sales"}, "inactive": True})
    assert live["staff"]["edges"][0]["node"]["apiTokens"]["totalCount"] == 0
    assert [t["node"]["revoked"] for t in full["staff"]["edges"][0]["node"]["apiTokens"]["edges"]] == [True, True]


async def test_tokens_are_visible_to_their_owner_and_those_above_only(api: Api, tenant: Tenant) -> None:
    chain = await build_chain(api, tenant)
    peer = await member(api, tenant, Role.SALES, (await _node_pk(chain.nodes["N1"])), "pat.peer@acme.example")

    async def count(token: str, email: str) -> int:
        data = await api.ok(TOKENS, {"filter": {"search": email}, "inactive": True}, token=token)
        return data["staff"]["edges"][0]["node"]["apiTokens"]["totalCount"]

    assert await count(chain.sales.token, chain.sales.email) == 1  # their own
    assert await count(chain.manager.token, chain.sales.email) == 1  # a manager over them
    assert await count(peer.token, chain.sales.email) == 0  # a peer sees the person, not their tokens
    assert await count(chain.admin.token, chain.manager.email) == 1


async def _node_pk(gid: str) -> int:
    from schema.relay import decode_id

    pk = decode_id(gid, "TierNode")
    assert pk is not None
    return pk


PAGE = """query($first: Int) { staff(first: $first) { edges { node {
  name email lastLoginAt scope { code }
  apiTokens(first: 5) { totalCount edges { node { name lastUsedAt revoked } } } } } } }"""


async def test_statements_of_a_staff_page_with_tokens_do_not_grow_with_it(api: Api, tenant: Tenant) -> None:
    await build_chain(api, tenant)
    for i in range(6):
        await member(api, tenant, Role.SALES, tenant.root_id, f"extra{i}@acme.example")
    small = await api.statements(PAGE, {"first": 2})
    large = await api.statements(PAGE, {"first": 10})
    assert small == large, (small, large)
    assert large <= 6, large  # staff, count-free tokens page, scopes (one each)
