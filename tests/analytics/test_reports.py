"""Each report against a brute-force recomputation of the hand-built chain (tests/analytics/conftest.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from db.base import utcnow
from db.models.core import Role
from db.models.orders import OrderStatus
from db.models.service import TicketStatus
from tests.analytics.conftest import Chain, ancestor_at, gid, in_subtree
from tests.conftest import Api, Tenant

SALES = """
query($node: ID, $from: DateTime, $to: DateTime, $by: ReportPeriod!, $depth: Int!) {
  reports { salesByNode(nodeId: $node, from: $from, to: $to, groupBy: $by, depth: $depth) {
    node { code }
    rows { node { code } period orders revenue { amount currency } averageOrderValue { amount } }
  } }
}"""

RFM = """
query($node: ID, $asOf: DateTime, $after: String) {
  reports { rfm(nodeId: $node, asOf: $asOf) {
    segments { segment customers }
    customers(first: 100, after: $after) {
      edges { node { customer { externalRef } recency frequency monetary segment orders spend { amount } } }
      pageInfo { hasNextPage endCursor }
    }
  } }
}"""

TIERS = """
query($node: ID, $from: DateTime, $to: DateTime) {
  reports { tierDistribution(nodeId: $node, from: $from, to: $to) {
    counts { node { code } tier { name } members }
    movements { node { code } from { name } to { name } upgrade count }
  } }
}"""

SLA = """
query($node: ID, $from: DateTime, $to: DateTime, $depth: Int!) {
  reports { ticketSla(nodeId: $node, from: $from, to: $to, depth: $depth) {
    rows { node { code } opened resolved breached medianResolutionSeconds }
  } }
}"""

TOP = """
query($node: ID, $by: TopCustomersBy!, $first: Int!) {
  reports { topCustomers(nodeId: $node, by: $by, first: $first) {
    rank customer { externalRef } lifetimeValue { amount currency } orders
  } }
}"""

SOLD = {OrderStatus.PAID, OrderStatus.FULFILLED}


def _money(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2))


def _period_start(at: datetime, by: str) -> date:
    day = at.astimezone(UTC).date()
    if by == "WEEK":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if by == "MONTH" else day


async def test_sales_by_node_matches_brute_force(api: Api, chain: Chain) -> None:
    start, end = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 5, 15, tzinfo=UTC)
    for node, by, depth in [("HQ", "MONTH", 1), ("EU", "WEEK", 1), ("HQ", "DAY", 2), ("EU", "MONTH", 0)]:
        root = chain.nodes[node]
        # given: the expected rows, recomputed from the inserted orders
        expected: dict[tuple[str, str], list[int]] = defaultdict(list)
        for o in chain.orders:
            store = chain.node_by_id(o.store_id)
            if o.status in SOLD and start <= o.placed_at < end and in_subtree(store, root):
                key = (ancestor_at(chain, store, root.depth + depth).code, _period_start(o.placed_at, by).isoformat())
                expected[key].append(o.total_reporting_minor)
        # when
        data = await api.ok(SALES, {"node": gid("TierNode", root.id), "from": start.isoformat(),
                                    "to": end.isoformat(), "by": by, "depth": depth})
        # then
        rows = data["reports"]["salesByNode"]["rows"]
        got = {(r["node"]["code"], r["period"]): r for r in rows}
        assert set(got) == set(expected)
        for key, totals in expected.items():
            average = (Decimal(sum(totals)) / len(totals)).quantize(Decimal(1), ROUND_HALF_EVEN)
            assert got[key]["orders"] == len(totals)
            assert got[key]["revenue"] == {"amount": _money(sum(totals)), "currency": "EUR"}
            assert got[key]["averageOrderValue"]["amount"] == _money(int(average))


CUSTOMER_RFM = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { rfm { segment customer { name } } } } }"


async def test_report_statements_are_bounded(api: Api, chain: Chain) -> None:
    # given: two sizes of each report (more rows, more periods, a deeper grouping)
    cases = [
        (SALES, [{"by": "DAY", "depth": 2}, {"by": "MONTH", "depth": 1}], 3),
        (RFM, [{}, {"node": gid("TierNode", chain.nodes["DE-01"].id)}], 4),
        (TIERS, [{}, {"from": "2026-03-01T00:00:00Z"}], 5),
        (SLA, [{"depth": 2}, {"depth": 0}], 4),
        (TOP, [{"by": "ORDERS", "first": 3}, {"by": "LIFETIME_VALUE", "first": 30}], 2),
        (CUSTOMER_RFM, [{"ids": [gid("Customer", c.id) for c in chain.customers[:k]]} for k in (2, 30)], 3),
    ]
    for query, variables, expected in cases:
        # when / then
        assert [await api.statements(query, v) for v in variables] == [expected] * len(variables), query


def _ntile(ordered: list[int]) -> dict[int, int]:
    """NTILE(5) over ids in order: the first n % 5 groups get one row more."""
    n = len(ordered)
    sizes = [n // 5 + (1 if i < n % 5 else 0) for i in range(5)]
    out, i = {}, 0
    for tile, size in enumerate(sizes, start=1):
        for cid in ordered[i:i + size]:
            out[cid] = tile
        i += size
    return out


def _segment(r: int, f: int, m: int) -> str:
    fm = -(-(f + m) // 2)
    table = {  # docs/analytics.md
        (5, 5): "CHAMPIONS", (5, 4): "CHAMPIONS", (4, 5): "LOYAL", (4, 4): "LOYAL", (3, 5): "LOYAL",
        (3, 4): "LOYAL", (5, 3): "POTENTIAL_LOYALIST", (5, 2): "POTENTIAL_LOYALIST",
        (4, 3): "POTENTIAL_LOYALIST", (4, 2): "POTENTIAL_LOYALIST", (5, 1): "NEW_CUSTOMER",
        (4, 1): "PROMISING", (3, 3): "NEED_ATTENTION", (3, 2): "ABOUT_TO_SLEEP", (3, 1): "ABOUT_TO_SLEEP",
        (2, 5): "CANNOT_LOSE", (1, 5): "CANNOT_LOSE", (2, 4): "AT_RISK", (2, 3): "AT_RISK", (1, 4): "AT_RISK",
        (1, 3): "AT_RISK", (2, 2): "HIBERNATING", (2, 1): "HIBERNATING", (1, 2): "HIBERNATING", (1, 1): "LOST",
    }
    return table[(r, fm)]


def _rfm_expected(chain: Chain, root_code: str, as_of: datetime) -> dict[str, tuple[int, int, int, str, int, int]]:
    root = chain.nodes[root_code]
    stats: dict[int, list] = {}
    for o in chain.orders:
        if o.status in SOLD and o.placed_at <= as_of and in_subtree(chain.node_of_customer(o.customer_id), root):
            s = stats.setdefault(o.customer_id, [o.placed_at, 0, 0])
            s[0], s[1], s[2] = max(s[0], o.placed_at), s[1] + 1, s[2] + o.total_reporting_minor
    r = _ntile(sorted(stats, key=lambda c: (stats[c][0], c)))
    f = _ntile(sorted(stats, key=lambda c: (stats[c][1], c)))
    m = _ntile(sorted(stats, key=lambda c: (stats[c][2], c)))
    refs = {c.id: c.external_ref for c in chain.customers}
    return {refs[c]: (r[c], f[c], m[c], _segment(r[c], f[c], m[c]), stats[c][1], stats[c][2]) for c in stats}


async def test_rfm_scores_and_segments_match_brute_force(api: Api, chain: Chain) -> None:
    as_of = datetime(2026, 5, 1, tzinfo=UTC)
    for node in ("HQ", "EU", "DE-01"):
        expected = _rfm_expected(chain, node, as_of)
        # when
        data = await api.ok(RFM, {"node": gid("TierNode", chain.nodes[node].id), "asOf": as_of.isoformat()})
        # then
        report = data["reports"]["rfm"]
        got = {
            e["node"]["customer"]["externalRef"]: (
                e["node"]["recency"], e["node"]["frequency"], e["node"]["monetary"], e["node"]["segment"],
                e["node"]["orders"], int(Decimal(e["node"]["spend"]["amount"]) * 100),
            )
            for e in report["customers"]["edges"]
        }
        assert got == expected
        segments = Counter(v[3] for v in expected.values())
        assert {s["segment"]: s["customers"] for s in report["segments"] if s["customers"]} == dict(segments)
        assert len(report["segments"]) == 11


async def test_customer_rfm_is_scored_within_the_viewer_scope(api: Api, tenant: Tenant, chain: Chain) -> None:
    # given: a manager of EU sees scores among EU's customers
    token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=chain.nodes["EU"].id)
    expected = _rfm_expected(chain, "EU", utcnow())
    ref, (r, f, m, segment, *_) = sorted(expected.items())[0]
    customer = next(c for c in chain.customers if c.external_ref == ref)
    # when
    data = await api.ok('query($id: ID!) { node(id: $id) { ... on Customer { rfm { recency frequency monetary segment } } } }',
                        {"id": gid("Customer", customer.id)}, token=token)
    # then
    assert data["node"]["rfm"] == {"recency": r, "frequency": f, "monetary": m, "segment": segment}


async def test_tier_distribution_matches_brute_force(api: Api, chain: Chain) -> None:
    start, end = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    tiers = {t.id: t for t in chain.tiers}
    members: Counter = Counter()
    moves: Counter = Counter()
    customer_of = {m.id: m.customer_id for m in chain.memberships}
    for m in chain.memberships:
        members[(ancestor_at(chain, chain.node_of_customer(m.customer_id), 1).code, tiers[m.tier_id].name)] += 1
    for c in chain.changes:
        if start <= c.at < end:
            node = ancestor_at(chain, chain.node_of_customer(customer_of[c.membership_id]), 1).code
            moves[(node, tiers[c.from_tier_id].name if c.from_tier_id else None, tiers[c.to_tier_id].name)] += 1
    # when
    data = await api.ok(TIERS, {"from": start.isoformat(), "to": end.isoformat()})
    # then
    report = data["reports"]["tierDistribution"]
    assert {(c["node"]["code"], c["tier"]["name"]): c["members"] for c in report["counts"]} == dict(members)
    got = {(m["node"]["code"], m["from"]["name"] if m["from"] else None, m["to"]["name"]): m["count"]
           for m in report["movements"]}
    assert got == dict(moves)
    assert all(m["upgrade"] for m in report["movements"])


async def test_ticket_sla_matches_brute_force_with_exact_medians(api: Api, chain: Chain) -> None:
    start, end = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    now = utcnow()
    unresolved = {TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING}
    for node, depth in [("HQ", 1), ("EU", 1), ("HQ", 0)]:
        root = chain.nodes[node]
        stats: dict[str, dict] = defaultdict(lambda: {"opened": 0, "resolved": 0, "breached": 0, "d": []})
        for t in chain.tickets:
            where = chain.node_of_customer(t.customer_id)
            if not in_subtree(where, root):
                continue
            s = stats[ancestor_at(chain, where, root.depth + depth).code]
            if start <= t.created_at < end:
                s["opened"] += 1
                late = t.resolved_at > t.sla_due_at if t.resolved_at else t.status in unresolved and t.sla_due_at < now
                s["breached"] += late
            if t.resolved_at and start <= t.resolved_at < end:
                s["resolved"] += 1
                delta = t.resolved_at - t.created_at
                s["d"].append((delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds)
        expected = {}
        for code, s in stats.items():
            if not (s["opened"] or s["resolved"]):
                continue
            d = sorted(s["d"])
            mid = [d[(len(d) - 1) // 2], d[len(d) // 2]] if d else []
            median = str(Decimal(sum(mid)) / 2 / 10**6) if d else None
            expected[code] = (s["opened"], s["resolved"], s["breached"], median)
        # when
        data = await api.ok(SLA, {"node": gid("TierNode", root.id), "from": start.isoformat(),
                                  "to": end.isoformat(), "depth": depth})
        # then
        got = {
            r["node"]["code"]: (r["opened"], r["resolved"], r["breached"],
                                str(Decimal(r["medianResolutionSeconds"])) if r["medianResolutionSeconds"] else None)
            for r in data["reports"]["ticketSla"]["rows"]
        }
        assert {k: v[:3] for k, v in got.items()} == {k: v[:3] for k, v in expected.items()}
        for code, (*_, median) in expected.items():
            assert (Decimal(got[code][3]) if got[code][3] else None) == (Decimal(median) if median else None)


async def test_top_customers_match_brute_force(api: Api, chain: Chain) -> None:
    for node, by in [("HQ", "LIFETIME_VALUE"), ("EU", "ORDERS"), ("US", "LIFETIME_VALUE")]:
        root = chain.nodes[node]
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for o in chain.orders:
            if o.status in SOLD:
                totals[o.customer_id][0] += o.total_reporting_minor
                totals[o.customer_id][1] += 1
        refs = {c.id: c.external_ref for c in chain.customers if in_subtree(chain.node_of_customer(c.id), root)}
        metric = 0 if by == "LIFETIME_VALUE" else 1
        ranked = sorted((c for c in totals if c in refs), key=lambda c: (-totals[c][metric], c))[:7]
        # when
        data = await api.ok(TOP, {"node": gid("TierNode", root.id), "by": by, "first": 7})
        # then
        assert [(r["rank"], r["customer"]["externalRef"], r["lifetimeValue"]["amount"], r["orders"])
                for r in data["reports"]["topCustomers"]] == [
            (i, refs[c], _money(totals[c][0]), totals[c][1]) for i, c in enumerate(ranked, start=1)
        ]


async def test_nodes_outside_the_scope_give_null_and_bad_arguments_errors(
    api: Api, tenant: Tenant, chain: Chain
) -> None:
    # given: a manager of US
    token = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=chain.nodes["US"].id)
    eu = gid("TierNode", chain.nodes["EU"].id)
    # when
    data = await api.ok(
        'query($n: ID) { reports { s: salesByNode(nodeId: $n, groupBy: DAY) { node { code } } '
        'r: rfm(nodeId: $n) { asOf } t: ticketSla(nodeId: $n) { rows { opened } } '
        'd: tierDistribution(nodeId: $n) { counts { members } } c: topCustomers(nodeId: $n) { rank } } }',
        {"n": eu}, token=token,
    )
    own = await api.ok("{ reports { salesByNode(groupBy: MONTH) { node { code } } } }", token=token)
    bad = await api.post("{ reports { topCustomers(first: 1000) { rank } } }")
    # then
    assert data["reports"] == {"s": None, "r": None, "t": None, "d": None, "c": None}
    assert own["reports"]["salesByNode"]["node"]["code"] == "US"
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


RFM_PAGE = """
query($after: String, $segment: RfmSegment) {
  reports { rfm(asOf: "2026-05-01T00:00:00Z") {
    customers(first: 4, after: $after, segment: $segment) {
      totalCount edges { node { customer { externalRef } segment } } pageInfo { hasNextPage endCursor }
    }
  } }
}"""


async def test_rfm_customers_page_through_a_segment(api: Api, chain: Chain) -> None:
    expected = _rfm_expected(chain, "HQ", datetime(2026, 5, 1, tzinfo=UTC))
    segment = Counter(v[3] for v in expected.values()).most_common(1)[0][0]
    refs = {c.id: c.external_ref for c in chain.customers}
    wanted = [refs[i] for i in sorted(i for i in refs if expected.get(refs[i], (0,) * 4)[3] == segment)]
    seen: list[str] = []
    after = None
    while True:
        # when
        page = (await api.ok(RFM_PAGE, {"after": after, "segment": segment}))["reports"]["rfm"]["customers"]
        # then
        assert page["totalCount"] == len(wanted)
        seen += [e["node"]["customer"]["externalRef"] for e in page["edges"]]
        assert {e["node"]["segment"] for e in page["edges"]} <= {segment}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == wanted
