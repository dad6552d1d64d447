"""Reading the tree: ancestors, children, descendants, inherited settings, scope, rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from db.models.core import Role
from db.models.customers import Customer
from schema.relay import decode_id
from tests.conftest import Api, Tenant
from tests.tree.factories import create_node, node_gid

NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on TierNode {
      code depth parent { code } ancestors { code }
      ownSettings { currency locale timezone }
      settings { currency locale timezone }
    }
  }
}"""

CHILDREN = """
query($id: ID!, $after: String) {
  node(id: $id) { ... on TierNode {
    children(first: 2, after: $after) { totalCount edges { node { code } } pageInfo { hasNextPage endCursor } }
  } }
}"""

DESCENDANTS = """
query($id: ID!, $maxDepth: Int, $first: Int, $after: String) {
  node(id: $id) { ... on TierNode {
    descendants(maxDepth: $maxDepth, first: $first, after: $after) {
      totalCount edges { node { code depth } } pageInfo { hasNextPage endCursor }
    }
  } }
}"""

ROLLUP = """
query($id: ID!, $from: DateTime, $to: DateTime) {
  node(id: $id) { ... on TierNode {
    rollup(from: $from, to: $to) { customerCount memberCount orderCount openTicketCount revenue { amount currency } }
  } }
}"""

CHILD_ROLLUPS = """
{ tierTree { children { edges { node { code rollup { customerCount } } } } } }"""

CREATE_CUSTOMER = """
mutation($node: ID!, $name: String!) { createCustomer(input: {nodeId: $node, name: $name}) { customer { id } errors { code } } }"""


async def _chain(api: Api, tenant: Tenant) -> dict[str, str]:
    """HQ (EUR, en, UTC) > EU (de-DE) > DE (Europe/Berlin) > BER (CHF) > COUNTER (fr-CH)."""
    eu = await create_node(api, tenant.root_id, "EU", kind="region", locale="de-DE")
    de = await create_node(api, eu, "DE", kind="country", timezone="Europe/Berlin")
    ber = await create_node(api, de, "BER", currency="CHF")
    counter = await create_node(api, ber, "COUNTER", kind="counter", locale="fr-CH")
    return {"EU": eu, "DE": de, "BER": ber, "COUNTER": counter}


async def test_settings_inherit_from_the_nearest_ancestor_at_every_depth(api: Api, tenant: Tenant) -> None:
    # given
    nodes = await _chain(api, tenant)
    # when
    got = {code: (await api.ok(NODE, {"id": gid}))["node"] for code, gid in nodes.items()}
    # then
    assert got["EU"]["settings"] == {"currency": "EUR", "locale": "de-DE", "timezone": "UTC"}
    assert got["DE"]["settings"] == {"currency": "EUR", "locale": "de-DE", "timezone": "Europe/Berlin"}
    assert got["BER"]["settings"] == {"currency": "CHF", "locale": "de-DE", "timezone": "Europe/Berlin"}
    assert got["COUNTER"]["settings"] == {"currency": "CHF", "locale": "fr-CH", "timezone": "Europe/Berlin"}
    assert got["COUNTER"]["ownSettings"] == {"currency": None, "locale": "fr-CH", "timezone": None}
    assert got["COUNTER"]["ancestors"] == [{"code": c} for c in ("HQ", "EU", "DE", "BER")]
    assert (got["COUNTER"]["depth"], got["COUNTER"]["parent"]) == (4, {"code": "BER"})


async def test_children_page_in_code_order(api: Api, tenant: Tenant) -> None:
    for code in ("C", "A", "B"):
        await create_node(api, tenant.root_id, code)
    first = (await api.ok(CHILDREN, {"id": node_gid(tenant.root_id)}))["node"]["children"]
    assert [e["node"]["code"] for e in first["edges"]] == ["A", "B"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = (await api.ok(CHILDREN, {"id": node_gid(tenant.root_id), "after": first["pageInfo"]["endCursor"]}))
    assert [e["node"]["code"] for e in rest["node"]["children"]["edges"]] == ["C"]


async def test_descendants_in_pre_order_limited_by_max_depth(api: Api, tenant: Tenant) -> None:
    nodes = await _chain(api, tenant)
    await create_node(api, tenant.root_id, "US", kind="region")
    root = node_gid(tenant.root_id)
    everything = (await api.ok(DESCENDANTS, {"id": root}))["node"]["descendants"]
    codes = [e["node"]["code"] for e in everything["edges"]]
    assert sorted(codes) == ["BER", "COUNTER", "DE", "EU", "US"] and everything["totalCount"] == 5
    assert codes.index("EU") < codes.index("DE") < codes.index("BER") < codes.index("COUNTER")
    two = (await api.ok(DESCENDANTS, {"id": nodes["EU"], "maxDepth": 2}))["node"]["descendants"]
    assert [e["node"] for e in two["edges"]] == [{"code": "DE", "depth": 2}, {"code": "BER", "depth": 3}]
    assert two["totalCount"] == 2
    page = (await api.ok(DESCENDANTS, {"id": root, "first": 2}))["node"]["descendants"]
    after = (await api.ok(DESCENDANTS, {"id": root, "first": 10, "after": page["pageInfo"]["endCursor"]}))
    rest = [e["node"]["code"] for e in after["node"]["descendants"]["edges"]]
    assert [e["node"]["code"] for e in page["edges"]] + rest == codes


async def test_a_scoped_manager_sees_only_their_subtree(api: Api, tenant: Tenant) -> None:
    # given
    nodes = await _chain(api, tenant)
    us = await create_node(api, tenant.root_id, "US", kind="region")
    token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=decode_id(nodes["DE"], "TierNode"))
    # when
    inside = (await api.ok(NODE, {"id": nodes["BER"]}, token=token))["node"]
    scope_root = (await api.ok(NODE, {"id": nodes["DE"]}, token=token))["node"]
    outside = (await api.ok(NODE, {"id": us}, token=token))["node"]
    tree = await api.ok("{ tierTree { code descendants { totalCount } } }", token=token)
    # then
    assert inside["ancestors"] == [{"code": "DE"}]
    assert scope_root["parent"] is None and scope_root["ancestors"] == []
    assert scope_root["settings"]["locale"] == "de-DE"  # inherited from above the scope all the same
    assert outside is None
    assert tree["tierTree"] == {"code": "DE", "descendants": {"totalCount": 2}}


async def test_rollup_counts_the_whole_subtree_in_one_statement(api: Api, tenant: Tenant) -> None:
    # given
    nodes = await _chain(api, tenant)
    us = await create_node(api, tenant.root_id, "US", kind="region")
    for node, name in ((nodes["BER"], "a"), (nodes["COUNTER"], "b"), (nodes["COUNTER"], "c"), (us, "d")):
        assert (await api.ok(CREATE_CUSTOMER, {"node": node, "name": name}))["createCustomer"]["errors"] == []
    old = datetime.now(UTC) - timedelta(days=400)
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(Customer).where(Customer.name == "a").values(created_at=old))
    other = await api.make_tenant("other")
    await create_node(api, other.root_id, "X", token=other.token)
    # when
    eu = (await api.ok(ROLLUP, {"id": nodes["EU"]}))["node"]["rollup"]
    recent = (await api.ok(ROLLUP, {"id": nodes["EU"], "from": (old + timedelta(days=1)).isoformat()}))
    early = (await api.ok(ROLLUP, {"id": nodes["EU"], "to": (old + timedelta(days=1)).isoformat()}))
    statements = await api.statements(ROLLUP, {"id": node_gid(tenant.root_id)})
    per_child = await api.ok(CHILD_ROLLUPS)
    per_child_statements = await api.statements(CHILD_ROLLUPS)
    # then
    assert eu == {"customerCount": 3, "memberCount": 0, "orderCount": 0, "openTicketCount": 0,
                  "revenue": {"amount": "0.00", "currency": "EUR"}}
    assert recent["node"]["rollup"]["customerCount"] == 2
    assert early["node"]["rollup"]["customerCount"] == 1
    assert statements == 2  # the node, then the rollup
    counts = {e["node"]["code"]: e["node"]["rollup"]["customerCount"] for e in per_child["tierTree"]["children"]["edges"]}
    assert counts == {"EU": 3, "US": 1}
    assert per_child_statements == 3  # root, children page, one rollup statement for both
