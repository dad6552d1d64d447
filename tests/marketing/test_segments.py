"""Segments: each rule kind against a brute-force Python check over the seeded data; scope; validation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db.base import utcnow
from db.models.core import Role
from db.models.orders import OrderStatus
from tests.analytics.conftest import gid, in_subtree
from tests.analytics.test_reports import _rfm_expected
from tests.conftest import Api
from tests.marketing.conftest import World

CREATE = """mutation($name: String!, $node: ID!, $rule: SegmentRuleInput!) {
  createSegment(input: {name: $name, nodeId: $node, rule: $rule}) {
    segment { id name rule size customers(first: 100) { totalCount edges { node { externalRef } } } }
    errors { field code message } } }"""
SOLD = (OrderStatus.PAID, OrderStatus.FULFILLED)


def _ids(world: World, predicate: Callable[[Any], bool], root: str = "HQ") -> set[str]:
    chain = world.chain
    return {c.external_ref for c in chain.customers
            if in_subtree(chain.node_of_customer(c.id), chain.nodes[root]) and predicate(c)}


def _sales(world: World, cid: int, since: datetime | None = None, until: datetime | None = None) -> list[Any]:
    return [o for o in world.chain.orders if o.customer_id == cid and o.status in SOLD
            and (since is None or o.placed_at >= since) and (until is None or o.placed_at < until)]


def _last(world: World, cid: int) -> datetime | None:
    return max((o.placed_at for o in _sales(world, cid)), default=None)


def _attr(world: World, cid: int, key: str, value: Any) -> bool:
    attrs = world.attributes[cid]
    if key not in attrs:
        return False
    v = attrs[key]
    if isinstance(value, bool) or isinstance(v, bool):
        return type(v) is type(value) and v == value
    if isinstance(value, int | float):
        return isinstance(v, int | float) and v == value
    return v == value


def _cases(world: World) -> list[tuple[str, dict[str, Any], Callable[[Any], bool]]]:
    chain = world.chain
    gold = next(t for t in chain.tiers if t.name == "Gold")
    tier_of = {m.customer_id: m.tier_id for m in chain.memberships}
    rfm = _rfm_expected(chain, "HQ", utcnow())
    refs = {c.id: c.external_ref for c in chain.customers}
    before, after = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    window = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    ltv = lambda c: sum(o.total_reporting_minor for o in _sales(world, c.id))  # noqa: E731
    eu = chain.nodes["EU"]
    return [
        ("subtree", {"subtree": gid("TierNode", eu.id)}, lambda c: in_subtree(chain.node_of_customer(c.id), eu)),
        ("tags", {"tags": ["VIP", "new"]}, lambda c: {"vip", "new"} <= world.tags[c.id]),
        ("tier", {"tierIds": [gid("MembershipTier", gold.id)]}, lambda c: tier_of.get(c.id) == gold.id),
        ("points", {"pointsBalance": {"min": 100, "max": 500}},
         lambda c: c.id in world.balances and 100 <= world.balances[c.id] <= 500),
        ("rfm", {"rfmSegments": ["AT_RISK", "LOST", "HIBERNATING"]},
         lambda c: c.id in {cid for cid in refs if refs[cid] in rfm and rfm[refs[cid]][3] in {"AT_RISK", "LOST", "HIBERNATING"}}),
        ("last before", {"lastOrderBefore": before.isoformat()}, lambda c: (_last(world, c.id) or before) < before),
        ("last after", {"lastOrderAfter": after.isoformat()}, lambda c: (_last(world, c.id) or before) >= after),
        ("last within", {"lastOrderWithinDays": 200},
         lambda c: _last(world, c.id) is not None and _last(world, c.id) >= utcnow() - timedelta(days=200)),
        ("ltv over 500", {"lifetimeValue": {"min": "500"}}, lambda c: ltv(c) >= 50000),
        ("ltv up to 100", {"lifetimeValue": {"max": "100.00"}}, lambda c: ltv(c) <= 10000),
        ("orders in a period", {"orderCount": {"min": 3, "since": window[0].isoformat(), "until": window[1].isoformat()}},
         lambda c: len(_sales(world, c.id, *window)) >= 3),
        ("no order in a year", {"orderCount": {"max": 0, "withinDays": 365}},
         lambda c: not _sales(world, c.id, utcnow() - timedelta(days=365))),
        ("attribute text", {"attribute": {"key": "size", "value": "M"}}, lambda c: _attr(world, c.id, "size", "M")),
        ("attribute number", {"attribute": {"key": "visits", "value": 3}}, lambda c: _attr(world, c.id, "visits", 3)),
        ("attribute boolean", {"attribute": {"key": "vip", "value": True}}, lambda c: _attr(world, c.id, "vip", True)),
        ("consent", {"consent": {"channel": "EMAIL", "purpose": "MARKETING"}},
         lambda c: world.consent.get((c.id, "EMAIL", "MARKETING"), False)),
        ("and/not", {"and": [{"subtree": gid("TierNode", eu.id)}, {"not": {"tags": ["vip"]}}]},
         lambda c: in_subtree(chain.node_of_customer(c.id), eu) and "vip" not in world.tags[c.id]),
        ("or", {"or": [{"consent": {"channel": "SMS"}}, {"pointsBalance": {"min": 2000}}]},
         lambda c: world.consent.get((c.id, "SMS", "MARKETING"), False) or world.balances.get(c.id, 0) >= 2000),
        ("not attribute", {"not": {"attribute": {"key": "size", "value": "M"}}},
         lambda c: not _attr(world, c.id, "size", "M")),
    ]


async def test_each_rule_kind_matches_brute_force(api: Api, world: World) -> None:
    hq = gid("TierNode", world.chain.nodes["HQ"].id)
    for name, rule, predicate in _cases(world):
        # when
        payload = (await api.ok(CREATE, {"name": name, "node": hq, "rule": rule}))["createSegment"]
        # then
        assert payload["errors"] == [], (name, payload)
        segment = payload["segment"]
        got = {e["node"]["externalRef"] for e in segment["customers"]["edges"]}
        expected = _ids(world, predicate)
        assert got == expected, name
        assert segment["size"] == segment["customers"]["totalCount"] == len(expected), name
    assert 0 < len(_ids(world, _cases(world)[4][2])) < 40  # the RFM case is not vacuous


async def test_a_segment_stays_inside_its_node_and_the_viewers_scope(api: Api, world: World) -> None:
    # given a manager of EU and segments at HQ and EU that match every customer
    chain = world.chain
    manager = await api.make_staff(world.chain.tenant, role=Role.MANAGER, scope_node_id=chain.nodes["EU"].id)
    everyone = {"not": {"tags": ["no such tag"]}}
    hq = (await api.ok(CREATE, {"name": "all", "node": gid("TierNode", chain.nodes["HQ"].id), "rule": everyone}))
    # when
    mine = (await api.ok(CREATE, {"name": "mine", "node": gid("TierNode", chain.nodes["EU"].id),
                                  "rule": {"or": [everyone, {"subtree": gid("TierNode", chain.nodes["DE-01"].id)}]}},
                         token=manager))["createSegment"]
    outside = (await api.ok(CREATE, {"name": "x", "node": gid("TierNode", chain.nodes["EU"].id),
                                     "rule": {"subtree": gid("TierNode", chain.nodes["US"].id)}}, token=manager))
    at_root = (await api.ok(CREATE, {"name": "x", "node": gid("TierNode", chain.nodes["HQ"].id), "rule": everyone},
                            token=manager))
    seen = await api.ok("query($id: ID!) { node(id: $id) { id } segments(first: 10) { edges { node { name size } } } }",
                        {"id": hq["createSegment"]["segment"]["id"]}, token=manager)
    # then
    assert mine["errors"] == []
    assert {e["node"]["externalRef"] for e in mine["segment"]["customers"]["edges"]} == _ids(world, lambda c: True, "EU")
    assert [(e["field"], e["code"]) for e in outside["createSegment"]["errors"]] == [(["rule", "subtree"], "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in at_root["createSegment"]["errors"]] == [(["nodeId"], "NOT_FOUND")]
    assert seen["node"] is None
    assert seen["segments"]["edges"] == [{"node": {"name": "mine", "size": len(_ids(world, lambda c: True, "EU"))}}]


@pytest.mark.parametrize("rule, field", [
    ({}, ["rule"]),
    ({"tags": ["a"], "tierIds": []}, ["rule"]),
    ({"pointsBalance": {}}, ["rule", "pointsBalance"]),
    ({"pointsBalance": {"min": 5, "max": 1}}, ["rule", "pointsBalance", "min"]),
    ({"lifetimeValue": {"min": "1.001"}}, ["rule", "lifetimeValue"]),
    ({"orderCount": {"min": 1, "withinDays": 0}}, ["rule", "orderCount", "withinDays"]),
    ({"and": [{"attribute": {"key": 'a"b', "value": 1}}]}, ["rule", "and", "0", "attribute", "key"]),
    ({"attribute": {"key": "a", "value": {"x": 1}}}, ["rule", "attribute", "value"]),
    ({"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"tags": ["a"]}}}}}}}}}}, ["rule"]),
    ({"tierIds": ["bad"]}, ["rule", "tierIds"]),
])
async def test_bad_rules_are_field_errors(api: Api, tenant: Any, rule: dict[str, Any], field: list[str]) -> None:
    from schema.relay import to_global_id

    payload = (await api.ok(CREATE, {"name": "x", "node": to_global_id("TierNode", tenant.root_id), "rule": rule}))
    errors = payload["createSegment"]["errors"]
    assert errors and errors[0]["field"][:len(field)] == field and errors[0]["code"] in {"INVALID", "NOT_FOUND"}, errors
    assert (await api.ok("query { segments(first: 5) { edges { node { id } } } }"))["segments"]["edges"] == []


LIST = "query { segments(first: 20) { edges { node { name size customers(first: 3) { edges { node { name } } } } } } }"


async def test_sizes_of_a_list_cost_the_same_for_two_and_six_segments(api: Api, world: World) -> None:
    hq = gid("TierNode", world.chain.nodes["HQ"].id)
    rules = [c[1] for c in _cases(world)]
    for i in range(2):
        await api.ok(CREATE, {"name": f"s{i}", "node": hq, "rule": rules[i]})
    two = await api.statements("query { segments(first: 20) { edges { node { name size } } } }")
    for i in range(2, 6):
        await api.ok(CREATE, {"name": f"s{i}", "node": hq, "rule": rules[i]})
    six = await api.statements("query { segments(first: 20) { edges { node { name size } } } }")
    assert six == two


UPDATE = """mutation($id: ID!, $name: String, $rule: SegmentRuleInput) { updateSegment(input: {id: $id, name: $name, rule: $rule}) {
  segment { name size } errors { field code } } }"""
DELETE = "mutation($id: ID!) { deleteSegment(input: {id: $id}) { deletedId errors { field code } } }"


async def test_update_and_delete(api: Api, world: World) -> None:
    hq = gid("TierNode", world.chain.nodes["HQ"].id)
    created = (await api.ok(CREATE, {"name": "a", "node": hq, "rule": {"tags": ["vip"]}}))["createSegment"]["segment"]
    updated = (await api.ok(UPDATE, {"id": created["id"], "name": "b", "rule": {"tags": ["new"]}}))["updateSegment"]
    assert updated == {"segment": {"name": "b", "size": len(_ids(world, lambda c: "new" in world.tags[c.id]))},
                       "errors": []}
    support = await api.make_staff(world.chain.tenant, role=Role.SUPPORT, scope_node_id=world.chain.nodes["HQ"].id)
    denied = (await api.ok(DELETE, {"id": created["id"]}, token=support))["deleteSegment"]
    assert denied["errors"][0]["code"] == "FORBIDDEN"
    assert (await api.ok(DELETE, {"id": created["id"]}))["deleteSegment"] == {"deletedId": created["id"], "errors": []}
    assert (await api.ok(DELETE, {"id": created["id"]}))["deleteSegment"]["errors"] == [{"field": ["id"], "code": "NOT_FOUND"}]


async def test_order_count_windows_match_brute_force_on_every_side_of_their_bounds(api: Api, world: World) -> None:
    """The rollup answers windows holding all or none of a customer's sales; customers with sales
    on both sides of a bound are counted from their orders (resolvers/marketing/rules.py)."""
    hq = gid("TierNode", world.chain.nodes["HQ"].id)
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 15, tzinfo=UTC)
    n = lambda c, *w: len(_sales(world, c.id, *w))  # noqa: E731
    recent = utcnow() - timedelta(days=120)
    cases = [
        ("all-time 2+", {"orderCount": {"min": 2}}, lambda c: n(c) >= 2),
        ("all-time up to 1", {"orderCount": {"max": 1}}, lambda c: n(c) <= 1),
        ("since, 1 to 2", {"orderCount": {"min": 1, "max": 2, "since": since.isoformat()}},
         lambda c: 1 <= n(c, since) <= 2),
        ("until, up to 1", {"orderCount": {"max": 1, "until": until.isoformat()}}, lambda c: n(c, None, until) <= 1),
        ("period, up to 1", {"orderCount": {"max": 1, "since": since.isoformat(), "until": until.isoformat()}},
         lambda c: n(c, since, until) <= 1),
        ("120 days, 1+", {"orderCount": {"min": 1, "withinDays": 120}}, lambda c: n(c, recent) >= 1),
        ("or of windows", {"or": [{"orderCount": {"max": 0, "withinDays": 120}},
                                  {"orderCount": {"min": 2, "since": since.isoformat(), "until": until.isoformat()}}]},
         lambda c: n(c, recent) == 0 or n(c, since, until) >= 2),
    ]
    straddling = {c.id for c in world.chain.customers
                  if 0 < n(c, since) < n(c) or 0 < n(c, None, until) < n(c)}
    assert straddling, "no customer has sales on both sides of a bound: the test proves nothing"
    for name, rule, predicate in cases:
        payload = (await api.ok(CREATE, {"name": name, "node": hq, "rule": rule}))["createSegment"]
        assert payload["errors"] == [], (name, payload)
        got = {e["node"]["externalRef"] for e in payload["segment"]["customers"]["edges"]}
        expected = _ids(world, predicate)
        assert got == expected, name
        assert payload["segment"]["size"] == len(expected), name
