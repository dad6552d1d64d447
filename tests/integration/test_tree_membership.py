"""Where the tree meets membership: inherited programs, tier filters, member rollups."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import Api, Tenant

PROGRAM = """
mutation { createMembershipProgram(input: {name: "Club", currency: "EUR", pointsPerUnit: "1",
  tiers: [{name: "Green", rank: 0, threshold: 0}, {name: "Gold", rank: 1, threshold: 500}]}) {
  membershipProgram { id tiers { id name } } errors { code } } }"""
NODE = """
mutation($input: CreateTierNodeInput!) { createTierNode(input: $input) { tierNode { id } errors { code field } } }"""
CUSTOMER = """
mutation($node: ID!, $name: String!) { createCustomer(input: {nodeId: $node, name: $name}) { customer { id } errors { code } } }"""
ENROL = """
mutation($id: ID!) { enrollMember(input: {customerId: $id}) { membership { id tier { name } } errors { code message } } }"""
ADJUST = """
mutation($id: ID!) { adjustPoints(input: {membershipId: $id, delta: 600, reason: "welcome"}) { errors { code } } }"""


async def test_program_inherits_filters_by_tier_and_rolls_up(api: Api, tenant: Tenant) -> None:
    # given a program set on a region, a store below it and one outside it
    program = (await api.ok(PROGRAM))["createMembershipProgram"]["membershipProgram"]
    root = to_global_id("TierNode", tenant.root_id)
    region = (await api.ok(NODE, {"input": {"parentId": root, "code": "EU", "name": "Europe", "kind": "region",
                                            "settings": {"membershipProgramId": program["id"]}}}))
    region_id = region["createTierNode"]["tierNode"]["id"]
    store = (await api.ok(NODE, {"input": {"parentId": region_id, "code": "EU-1", "name": "Berlin",
                                           "kind": "store"}}))["createTierNode"]["tierNode"]["id"]
    other = (await api.ok(NODE, {"input": {"parentId": root, "code": "US-1", "name": "NYC",
                                           "kind": "store"}}))["createTierNode"]["tierNode"]["id"]
    ids = [(await api.ok(CUSTOMER, {"node": store, "name": n}))["createCustomer"]["customer"]["id"]
           for n in ("Ada", "Bea", "Cem")]
    # when two join (adjusted points do not qualify for a tier: they stay Green)
    members = [(await api.ok(ENROL, {"id": i}))["enrollMember"]["membership"]["id"] for i in ids[:2]]
    assert (await api.ok(ADJUST, {"id": members[0]}))["adjustPoints"]["errors"] == []
    # then
    settings = await api.ok(
        "query($a: ID!, $b: ID!) { a: node(id: $a) { ... on TierNode { settings { membershipProgram { name } } } }"
        " b: node(id: $b) { ... on TierNode { settings { membershipProgram { name } } } } }",
        {"a": store, "b": other})
    assert settings["a"]["settings"]["membershipProgram"] == {"name": "Club"}
    assert settings["b"]["settings"]["membershipProgram"] is None
    tiers = {t["name"]: t["id"] for t in program["tiers"]}
    by_tier = "query($t: [ID!]) { customers(filter: {tierIds: $t}, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } } }"
    green = await api.ok(by_tier, {"t": [tiers["Green"]]})
    assert [e["node"]["name"] for e in green["customers"]["edges"]] == ["Ada", "Bea"]
    assert (await api.ok(by_tier, {"t": [tiers["Gold"]]}))["customers"]["edges"] == []
    rollup = await api.ok("query($id: ID!) { node(id: $id) { ... on TierNode { rollup { customerCount memberCount } } } }",
                          {"id": region_id})
    assert rollup["node"]["rollup"] == {"customerCount": 3, "memberCount": 2}


async def test_unknown_program_on_a_node_is_not_found(api: Api, tenant: Tenant) -> None:
    bad = to_global_id("MembershipProgram", 12345)
    data = await api.ok(NODE, {"input": {"parentId": to_global_id("TierNode", tenant.root_id), "code": "X",
                                         "name": "X", "kind": "store", "settings": {"membershipProgramId": bad}}})
    assert data["createTierNode"]["errors"] == [{"code": "NOT_FOUND", "field": ["settings", "membershipProgramId"]}]
