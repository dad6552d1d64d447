"""Query.events: the log paged by cursor, filtered by type, subtree, scope and role."""

from __future__ import annotations

from sqlalchemy import select

from db.models.core import Event, Role
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, add_customer, emit, staff_token

EVENTS = """
query($after: String, $first: Int, $types: [EventType!], $nodeId: ID) {
  events(after: $after, first: $first, types: $types, nodeId: $nodeId) {
    edges { cursor node { cursor type data node { code } subject { id ... on TierNode { code } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
    totalCount
  }
}"""

CUSTOMER_EVENTS = """
{ events(types: [CUSTOMER_CREATED]) { edges { node { data subject { ... on Customer { name email } } } } } }
"""


def codes(data: dict) -> list[str | None]:
    return [(e["node"]["node"] or {}).get("code") for e in data["events"]["edges"]]


async def test_pages_follow_the_cursor_in_commit_order(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    await emit(api, tenant, tree, "A1", 5, per_commit=2)
    # when
    first = await api.ok(EVENTS, {"first": 3})
    rest = await api.ok(EVENTS, {"first": 3, "after": first["events"]["pageInfo"]["endCursor"]})
    # then
    cursors = [e["cursor"] for e in first["events"]["edges"] + rest["events"]["edges"]]
    assert cursors == ["1", "2", "3", "4", "5"]
    assert [e["node"]["data"]["n"] for e in rest["events"]["edges"]] == [3, 4]
    assert first["events"]["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "endCursor": "3"}
    assert rest["events"]["pageInfo"]["hasNextPage"] is False
    assert first["events"]["totalCount"] == 5
    assert first["events"]["edges"][0]["node"]["subject"]["code"] == "A1"


async def test_types_and_subtree_filters(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    await emit(api, tenant, tree, "A1", 2)
    await emit(api, tenant, tree, "B1", 2, type="TICKET_OPENED")
    await emit(api, tenant, tree, None, 1, type="TIER_CHANGED")
    # when
    tickets = await api.ok(EVENTS, {"types": ["TICKET_OPENED"]})
    in_a = await api.ok(EVENTS, {"nodeId": tree.gid("A")})
    everything = await api.ok(EVENTS)
    # then
    assert codes(tickets) == ["B1", "B1"]
    assert codes(in_a) == ["A1", "A1"]
    assert codes(everything) == ["A1", "A1", "B1", "B1", None]


async def test_scope_hides_other_subtrees_and_tenant_level_events(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    await emit(api, tenant, tree, "A1", 2)
    await emit(api, tenant, tree, "B1", 1)
    await emit(api, tenant, tree, None, 1)
    manager_b = await staff_token(api, tenant, tree, Role.MANAGER, "B")
    # when
    seen = await api.ok(EVENTS, None, token=manager_b)
    outside = await api.post(EVENTS, {"nodeId": tree.gid("A")}, token=manager_b)
    # then
    assert codes(seen) == ["B1"]
    assert seen["events"]["totalCount"] == 1
    assert outside["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_roles_without_event_read_are_refused(api: Api, tenant: Tenant, tree: Tree) -> None:
    sales = await staff_token(api, tenant, tree, Role.SALES)
    body = await api.post(EVENTS, None, token=sales)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_integrator_sees_pii_masked_unless_granted(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    await add_customer(api, tenant, tree, "A1", email="ada@example.com", phone="+4915112345678")
    integrator = await staff_token(api, tenant, tree, Role.INTEGRATOR)
    # when
    masked = await api.ok(CUSTOMER_EVENTS, token=integrator)
    clear = await api.ok(CUSTOMER_EVENTS)
    # then
    node = masked["events"]["edges"][0]["node"]
    assert node["data"] == {"name": "Ada", "email": "a***@example.com", "phone": "+49***78", "tags": ["vip"]}
    assert node["subject"] == {"name": "Ada", "email": "a***@example.com"}
    assert clear["events"]["edges"][0]["node"]["data"]["email"] == "ada@example.com"
    async with api.db.session(tenant_id=tenant.id) as session:
        stored = (await session.scalars(select(Event))).one()
    assert stored.data["email"] == "ada@example.com"


async def test_malformed_cursor_is_bad_input(api: Api, tenant: Tenant) -> None:
    body = await api.post(EVENTS, {"after": "abc"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_statements_do_not_grow_with_the_page(api: Api, tenant: Tenant, tree: Tree) -> None:
    # given
    await emit(api, tenant, tree, "A1", 30)
    # when
    small = await api.statements(EVENTS, {"first": 5})
    large = await api.statements(EVENTS, {"first": 30})
    # then
    assert small == large
