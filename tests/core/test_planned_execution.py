"""Planned execution (schema/plan.py) answers exactly as graphql-core alone: the same JSON, errors
included, for the pages' own queries, hypothesis-generated selections over the customer, order and
membership types, and selections whose values the plan must hand back to the executor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    GraphQLObjectType,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import build_schema, plan, plan_compile
from tests.conftest import Api, Tenant
from tests.customers.test_page_prefetch import _seed
from tests.membership.conftest import ENROLL, create_program, set_program
from tests.orders.conftest import Chain, build_chain

PAGE = """query($first: Int!) { customers(first: $first, orderBy: {field: NAME, direction: ASC}) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { __typename id name email phone tags externalRef createdAt
    node { id name code kind __typename }
    membership { pointsBalance qualifyingPoints joinedAt tier { name rank benefits } }
    orders(first: 3) { totalCount edges { node { number status placedAt currency total { amount currency }
      lines { sku quantity unitPrice { amount currency } } } } }
    paid: orders(first: 2, status: [PAID]) { edges { node { number } } }
  } } } }"""


@pytest.fixture
async def chain(api: Api, tenant: Tenant) -> Chain:
    made = await build_chain(api, tenant, {"JPY": "0.0061"})
    await _seed(api, made, 8)
    program = await create_program(api)
    await set_program(api, tenant.id, made.nodes["HQ"], program["id"])
    for name in ("alice", "bob"):
        gid = (await api.ok("query { customers(first: 10) { edges { node { id name } } } }"))
        found = next(e["node"]["id"] for e in gid["customers"]["edges"] if e["node"]["name"] == name.title())
        enrolled = await api.ok(ENROLL, {"input": {"customerId": found}})
        assert enrolled["enrollMember"]["errors"] == []
    return made


@pytest.fixture
def planning() -> Iterator[None]:
    yield
    plan.ENABLED = True


async def both_ways(api: Api, query: str, variables: dict[str, Any] | None = None) -> tuple[bytes, int]:
    """The response planned and unplanned (graphql-core alone), and how many plans ran."""
    plan.ENABLED = False
    alone = _comparable(await api.post(query, variables))
    plan.ENABLED = True
    before = plan.PLANNER.used
    planned = _comparable(await api.post(query, variables))
    assert orjson.dumps(planned) == orjson.dumps(alone), (planned, alone)
    assert "errors" in planned or planned["data"] is not None
    return orjson.dumps(planned), plan.PLANNER.used - before


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    for error in body.get("errors") or ():
        (error.get("extensions") or {}).pop("requestId", None)  # one per request, by design
    return body


async def test_the_page_is_planned_and_answers_as_the_executor(api: Api, chain: Chain, planning: None) -> None:
    body, used = await both_ways(api, PAGE, {"first": 3})
    data = orjson.loads(body)["data"]["customers"]
    assert [e["node"]["name"] for e in data["edges"]] == ["Alice", "Bob", "Yuki"]
    assert [e["node"]["membership"] is not None for e in data["edges"]] == [True, True, False]
    assert used >= 1  # the connection's whole selection completed by its plan


async def test_errors_inside_a_planned_selection_are_the_executors(api: Api, chain: Chain, planning: None) -> None:
    # A bad argument below a planned object: the resolver raises, graphql-core locates the error.
    query = """query { customers(first: 2) { edges { node { name orders(first: 3, after: "nonsense") {
      edges { node { number } } } } } } }"""
    body, _used = await both_ways(api, query)
    errors = orjson.loads(body)["errors"]
    assert errors and all(e["path"][-1] == "orders" for e in errors)
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}


async def test_the_verifier_sees_a_plan_that_differs(api: Api, chain: Chain, planning: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's check (CANOPY_PLAN_VERIFY) is real: a plan answering otherwise is reported."""
    monkeypatch.setattr(plan, "VERIFY", True)
    real = plan_compile.Compiler.value

    def wrong(self: Any, gtype: Any, details: Any) -> Any:
        made = real(self, gtype, details)
        if getattr(gtype, "name", None) == "String" and made is not None:
            return lambda value, ex: None if value is None else f"{value}!"
        return made
    monkeypatch.setattr(plan_compile.Compiler, "value", wrong)
    plan.PLANNER.plans.clear()
    try:
        await api.post("query { customers(first: 1) { edges { node { name } } } }")
        assert plan.MISMATCHES and "!" in plan.MISMATCHES[0]
    finally:
        plan.MISMATCHES.clear()
        plan.PLANNER.plans.clear()


# Selections over the Customer type: any subset of its fields that need no arguments, some under
# an alias, objects (memberships, tiers, nodes, orders) nested three deep.
_SCHEMA = build_schema()._schema
# Async fields and unions stay in (graphql-core completes their object, plans its other fields).
_SKIP = {"descendants", "parent", "ownSettings", "rollup", "customer", "store", "customers", "children",
         "ancestors", "audit", "pointsLedger", "coupons", "tierHistory", "program"}


def _fields(gtype: GraphQLObjectType) -> list[str]:
    return [name for name, f in gtype.fields.items()
            if name not in _SKIP and not any(is_non_null_type(a.type) for a in f.args.values())]


@st.composite
def selections(draw: Any, gtype: GraphQLObjectType, depth: int = 0) -> str:
    names = draw(st.lists(st.sampled_from(_fields(gtype)), min_size=1, max_size=6, unique=True))
    parts = []
    for i, name in enumerate(names):
        target = get_named_type(gtype.fields[name].type)
        alias = f"a{i}: " if draw(st.booleans()) and i % 2 else ""
        if is_object_type(target):
            if depth >= 3 or not _fields(target):
                continue
            args = "(first: 2)" if name == "orders" else ""
            parts.append(f"{alias}{name}{args} {{ {draw(selections(target, depth + 1))} }}")
        elif is_abstract_type(target):  # a union or interface: graphql-core resolves its type
            parts.append(f"{alias}{name} {{ __typename }}")
        elif is_leaf_type(target):
            parts.append(f"{alias}{name}")
    return " ".join(parts) or "__typename"


_ORDER = _SCHEMA.get_type("Order")
FIND_CARD = (Path(__file__).resolve().parents[2] / "bots" / "operations" / "find_card.graphql").read_text("utf-8")
_CONNECTION = "totalCount edges { node { %s } }"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(customer=selections(_SCHEMA.get_type("Customer")), order=selections(_ORDER))
async def test_generated_selections_answer_as_the_executor(api: Api, chain: Chain, planning: None,
                                                           customer: str, order: str) -> None:
    query = (f"query {{ customers(first: 3) {{ edges {{ node {{ {customer} planned: orders(first: 2) {{ "
             f"{_CONNECTION % order} }} }} }} }} }}")
    body, used = await both_ways(api, query)
    assert "errors" not in orjson.loads(body), body
    assert used >= 1  # at least the orders' edges of each customer by their plan


async def test_the_bots_card_is_planned_around_its_async_fields(api: Api, chain: Chain, planning: None) -> None:
    """FindCard's customer has async fields (lifetimeValue, tickets, campaigns): graphql-core
    completes the customer and the plans do its other fields, with the same answer."""
    from schema.relay import to_global_id

    made = await api.ok("""mutation($n: ID!) { createCustomer(input: {nodeId: $n, name: "Ada Lovelace",
      phone: "+49 30 1234567", email: "ada@example.com"}) { customer { id } errors { field code } } }""",
                        {"n": to_global_id("TierNode", chain.nodes["DE-1"].id)})
    assert made["createCustomer"]["errors"] == []
    body, used = await both_ways(api, FIND_CARD, {"search": "+49 30 1234567"})
    found = orjson.loads(body)["data"]["customers"]["edges"]
    assert [e["node"]["name"] for e in found] == ["Ada Lovelace"]
    assert found[0]["node"]["node"] == {"name": "DE-1", "code": "DE-1"}
    assert used >= 5  # name, email, phone, node, the orders' edges...
