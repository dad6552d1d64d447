"""Programs, tiers, inherited program settings and enrolment."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models.core import Role
from db.models.membership import Membership, MembershipProgram, TierChange
from db.models.tree import TierNode
from resolvers.membership import loyalty
from resolvers.membership.programs import effective_program_id, effective_program_ids
from tests.conftest import Api, Tenant
from tests.membership.conftest import (
    CREATE_PROGRAM,
    ENROLL,
    TIERS,
    Shop,
    add_customers,
    add_node,
    create_program,
    gid,
    pk,
    set_program,
)

MEMBERSHIP_BALANCE = "query($id: ID!) { node(id: $id) { ... on Membership { pointsBalance } } }"
PROGRAMS = "{ membershipPrograms { name currency pointsPerUnit pointsExpiryDays tiers { name rank threshold benefits } } }"

CUSTOMER_MEMBERSHIP = """
query($id: ID!) { node(id: $id) { ... on Customer { membership {
  tier { name } pointsBalance program { name }
  tierHistory { from { name } to { name } reason }
} } } }"""


async def test_create_program_lists_tiers_lowest_first(api: Api, tenant: Tenant) -> None:
    # given
    shuffled = [TIERS[2], TIERS[0], TIERS[1]]
    # when
    program = await create_program(api, tiers=shuffled, pointsPerUnit="1.5")
    # then
    assert program["pointsPerUnit"] == "1.5"
    data = await api.ok(PROGRAMS)
    listed = data["membershipPrograms"][0]
    assert [t["name"] for t in listed["tiers"]] == ["Bronze", "Silver", "Gold"]
    assert listed["tiers"][1]["benefits"] == {"percentOff": "5"}
    node = await api.ok("query($id: ID!) { node(id: $id) { ... on MembershipProgram { name } } }",
                        {"id": program["id"]})
    assert node["node"] == {"name": "Rewards"}


async def test_bad_programs_are_rejected_and_write_nothing(api: Api, tenant: Tenant) -> None:
    cases = [
        ({"pointsPerUnit": "0"}, ["pointsPerUnit"]),
        ({"pointsPerUnit": "-2"}, ["pointsPerUnit"]),
        ({"currency": "XYZ"}, ["currency"]),
        ({"pointsExpiryDays": 0}, ["pointsExpiryDays"]),
        ({"pointsExpiryDays": 3651}, ["pointsExpiryDays"]),
        ({"pointsExpiryDays": 3_000_000}, ["pointsExpiryDays"]),
        ({"pointsPerUnit": "10000.1"}, ["pointsPerUnit"]),
        ({"tiers": []}, ["tiers"]),
        ({"tiers": [{"name": "A", "rank": 1, "threshold": 10}]}, ["tiers", "0", "threshold"]),
        ({"tiers": [TIERS[0], {"name": "B", "rank": 2, "threshold": 0}]}, ["tiers"]),
        ({"tiers": [TIERS[0], {**TIERS[1], "rank": 1}]}, ["tiers"]),
        ({"name": " "}, ["name"]),
        ({"name": "x" * 201}, ["name"]),
        ({"pointsPerUnit": "0.00000000001"}, ["pointsPerUnit"]),
        ({"pointsPerUnit": "1e30"}, ["pointsPerUnit"]),
        ({"tiers": [TIERS[0], {**TIERS[1], "name": "y" * 101}]}, ["tiers", "1", "name"]),
    ]
    for overrides, field in cases:
        payload = {"name": "P", "currency": "EUR", "pointsPerUnit": "1", "tiers": TIERS, **overrides}
        data = await api.ok(CREATE_PROGRAM, {"input": payload})
        errors = data["createMembershipProgram"]["errors"]
        assert data["createMembershipProgram"]["membershipProgram"] is None
        assert {"code": "INVALID", "field": field} in [{"code": e["code"], "field": e["field"]} for e in errors], (overrides, errors)
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(MembershipProgram)) == 0


async def test_only_admins_create_programs(api: Api, tenant: Tenant) -> None:
    token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=tenant.root_id)
    payload = {"name": "P", "currency": "EUR", "pointsPerUnit": "1", "tiers": TIERS}
    data = await api.ok(CREATE_PROGRAM, {"input": payload}, token=token)
    assert data["createMembershipProgram"]["errors"][0]["code"] == "FORBIDDEN"


async def test_effective_program_is_the_nearest_ancestors(shop: Shop) -> None:
    # given: HQ runs the shop program; the region runs its own; a country under it sets none
    api, tenant = shop.api, shop.tenant
    regional = await create_program(api, name="Regional")
    await set_program(api, tenant.id, shop.region, regional["id"])
    country = await add_node(api, tenant.id, shop.region, "EU-DE")
    deep = await add_node(api, tenant.id, country, "EU-DE-01")
    # when
    async with api.db.session(tenant_id=tenant.id) as session:
        nodes = [await session.get(TierNode, (tenant.id, n.id)) for n in (shop.root, shop.region, deep, shop.other_store)]
        found = await effective_program_ids(session, nodes)
        single = await effective_program_id(session, nodes[2])
    # then
    assert found == {
        shop.root.id: pk(shop.program_id), shop.region.id: pk(regional["id"]),
        deep.id: pk(regional["id"]), shop.other_store.id: pk(shop.program_id),
    }
    assert single == pk(regional["id"])
    # and a customer of the deep store joins the regional program by default
    [customer] = await add_customers(api, tenant.id, deep, 1)
    data = await api.ok(ENROLL, {"input": {"customerId": gid("Customer", customer)}})
    assert data["enrollMember"]["membership"]["program"]["name"] == "Regional"


async def test_enrol_starts_at_the_lowest_tier(shop: Shop) -> None:
    # when
    await shop.enroll(0)
    # then
    data = await shop.api.ok(CUSTOMER_MEMBERSHIP, {"id": gid("Customer", shop.customers[0])})
    assert data["node"]["membership"] == {
        "tier": {"name": "Bronze"}, "pointsBalance": 0, "program": {"name": "Rewards"},
        "tierHistory": [{"from": None, "to": {"name": "Bronze"}, "reason": "enrolled"}],
    }
    other = await shop.api.ok(CUSTOMER_MEMBERSHIP, {"id": gid("Customer", shop.customers[1])})
    assert other["node"]["membership"] is None


async def test_enrol_errors(shop: Shop) -> None:
    api, tenant = shop.api, shop.tenant
    await shop.enroll(0)
    customer = gid("Customer", shop.customers[0])
    # twice
    data = await api.ok(ENROLL, {"input": {"customerId": customer}})
    assert data["enrollMember"]["errors"][0] == {"field": ["customerId"], "code": "CONFLICT", "message": "the customer is already a member of this program"}
    # an unknown program, a malformed id, an unknown customer
    for variables, field in (
        ({"customerId": customer, "programId": gid("MembershipProgram", 1)}, ["programId"]),
        ({"customerId": customer, "programId": "garbage"}, ["programId"]),
        ({"customerId": gid("Customer", 1)}, ["customerId"]),
    ):
        data = await api.ok(ENROLL, {"input": variables})
        assert data["enrollMember"]["errors"][0]["code"] == "NOT_FOUND"
        assert data["enrollMember"]["errors"][0]["field"] == field
    # no program in force at the node
    await set_program(api, tenant.id, shop.root, None)
    data = await api.ok(ENROLL, {"input": {"customerId": gid("Customer", shop.customers[1])}})
    assert data["enrollMember"]["errors"][0]["code"] == "NOT_FOUND"
    # outside the viewer's subtree
    await set_program(api, tenant.id, shop.root, shop.program_id)
    token = await api.make_staff(tenant, role=Role.SALES, scope_node_id=shop.other_store.id)
    data = await api.ok(ENROLL, {"input": {"customerId": gid("Customer", shop.customers[1])}}, token=token)
    assert data["enrollMember"]["errors"][0]["code"] == "NOT_FOUND"
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1
        assert await session.scalar(select(func.count()).select_from(TierChange)) == 1


async def test_customer_membership_loads_in_constant_statements(shop: Shop) -> None:
    for i in range(3):
        await shop.enroll(i)
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { membership { tier { name } program { name } } } } }"
    ids = [gid("Customer", c) for c in shop.customers]
    one = await shop.api.statements(query, {"ids": ids[:1]})
    three = await shop.api.statements(query, {"ids": ids})
    assert one == three


async def test_an_expiry_past_the_limit_is_refused_and_earning_at_the_store_still_works(shop: Shop) -> None:
    # given: the store earns under the HQ program; a member
    membership = await shop.enroll()
    payload = {"name": "Forever", "currency": "EUR", "pointsPerUnit": "1", "tiers": TIERS}
    # when: an expiry whose dates overflow datetime, then the longest allowed
    bad = await shop.api.ok(CREATE_PROGRAM, {"input": {**payload, "pointsExpiryDays": 3_000_000}})
    longest = await create_program(shop.api, name="Decade", pointsExpiryDays=3650)
    # then: the first is a field error and writes nothing; the second stands
    assert bad["createMembershipProgram"]["membershipProgram"] is None
    assert [e["field"] for e in bad["createMembershipProgram"]["errors"]] == [["pointsExpiryDays"]]
    async with shop.tx() as s:
        names = set((await s.scalars(select(MembershipProgram.name))).all())
    assert names == {"Rewards", "Decade"}
    # and: an earning at the store works, also under the ten-year program
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(10_000)) == 100
    await set_program(shop.api, shop.tenant.id, shop.store, longest["id"])
    await shop.enroll(1)
    async with shop.tx() as s:
        assert await loyalty.earn_for_order(s, shop.viewer, shop.order(20_000, customer_index=1)) == 200
    assert (await shop.api.ok(MEMBERSHIP_BALANCE, {"id": membership}))["node"]["pointsBalance"] == 100
