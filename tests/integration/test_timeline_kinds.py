"""The customer timeline carries every kind the domains register, newest first."""

from __future__ import annotations

from schema.relay import to_global_id
from tests.conftest import Api, Tenant

NODE = "mutation($p: ID!) { createTierNode(input: {parentId: $p, code: \"S1\", name: \"Store\", kind: \"store\"}) { tierNode { id } } }"
CUSTOMER = "mutation($n: ID!) { createCustomer(input: {nodeId: $n, name: \"Ada\"}) { customer { id } } }"
PROGRAM = """mutation { createMembershipProgram(input: {name: "Club", currency: "EUR", pointsPerUnit: "1",
  tiers: [{name: "Green", rank: 0, threshold: 0}]}) { membershipProgram { id } } }"""
TIMELINE = """query($id: ID!) { customer(id: $id) { timeline(first: 20) { totalCount edges { node { __typename } } } } }"""


async def test_timeline_merges_every_kind(api: Api, tenant: Tenant) -> None:
    # given a customer with a membership, an opportunity, an interaction and a ticket
    store = (await api.ok(NODE, {"p": to_global_id("TierNode", tenant.root_id)}))["createTierNode"]["tierNode"]["id"]
    customer = (await api.ok(CUSTOMER, {"n": store}))["createCustomer"]["customer"]["id"]
    program = (await api.ok(PROGRAM))["createMembershipProgram"]["membershipProgram"]["id"]
    steps = [
        ("mutation($c: ID!, $p: ID!) { enrollMember(input: {customerId: $c, programId: $p}) { errors { code } } }",
         {"c": customer, "p": program}, "enrollMember"),
        ('mutation($c: ID!) { createOpportunity(input: {customerId: $c, title: "Wedding list", amount: "900"}) { errors { code } } }',
         {"c": customer}, "createOpportunity"),
        ('mutation($c: ID!) { logInteraction(input: {customerId: $c, kind: CALL, summary: "Called"}) { errors { code } } }',
         {"c": customer}, "logInteraction"),
        ('mutation($c: ID!) { openTicket(input: {customerId: $c, subject: "Zip", description: "Broken zip"}) { errors { code } } }',
         {"c": customer}, "openTicket"),
    ]
    for query, variables, name in steps:
        assert (await api.ok(query, variables))[name]["errors"] == [], name
    # when
    data = await api.ok(TIMELINE, {"id": customer})
    # then: every kind shows up once (the enrolment's first tier is a tier change)
    kinds = sorted(e["node"]["__typename"] for e in data["customer"]["timeline"]["edges"])
    assert kinds == ["Interaction", "Opportunity", "Ticket", "TierChange"]
    assert data["customer"]["timeline"]["totalCount"] == 4
