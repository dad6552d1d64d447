"""Property-based: whatever a client sends per input type, the API answers without a 5xx
and without INTERNAL (bounded example counts, SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
from datetime import UTC
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api, Tenant

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

nasty = st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "%", "_", "\\", "'", '"'])
strings = st.one_of(st.text(max_size=40), st.lists(st.one_of(st.text(max_size=5), nasty), max_size=8).map("".join))
huge_ints = st.integers(min_value=-(2**80), max_value=2**80)
decimals = st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str), huge_ints.map(str), strings)
datetimes = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))).map(lambda d: d.isoformat()), strings
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), huge_ints, st.floats(allow_nan=False), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=8,
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ids = st.builds(lambda t, k: _b64(f"{t}:{k}".encode("utf-8", "surrogatepass")),
                st.one_of(st.sampled_from(["Customer", "Staff", "Order"]), strings), huge_ints)
cursors = st.one_of(json_values.map(lambda v: _b64(orjson.dumps(v))), strings)


async def _no_fault(api: Api, query: str, variables: dict[str, Any], *, auth: bool = True) -> None:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {api.token}"
    resp = await api.client.post("/graphql", content=json.dumps({"query": query, "variables": variables}),
                                 headers=headers)
    assert resp.status_code < 500, resp.text
    codes = [e.get("extensions", {}).get("code") for e in resp.json().get("errors") or []]
    assert "INTERNAL" not in codes, resp.text


CUSTOMERS = ("query($s: String, $at: DateTime, $after: String) "
             "{ customers(filter: {search: $s, createdAfter: $at}, after: $after) { totalCount } }")


@FUZZ
@given(search=strings, at=datetimes, after=cursors)
async def test_customer_lists_never_fault(api: Api, tenant: Tenant, search: str, at: str, after: str) -> None:
    await _no_fault(api, CUSTOMERS, {"s": search, "at": at, "after": after})


@FUZZ
@given(gid=ids)
async def test_node_ids_never_fault(api: Api, tenant: Tenant, gid: str) -> None:
    await _no_fault(api, "query($id: ID!) { node(id: $id) { id } customer(id: $id) { id } }", {"id": gid})


@FUZZ
@given(rate=decimals, currency=strings, date=strings)
async def test_exchange_rates_never_fault(api: Api, tenant: Tenant, rate: str, currency: str, date: str) -> None:
    await _no_fault(
        api, "mutation($r: Decimal!, $c: String!, $d: String!) { setExchangeRate(input: "
        "{currency: $c, date: $d, rate: $r}) { errors { code } } }", {"r": rate, "c": currency, "d": date},
    )


@FUZZ
@given(email=strings, password=strings)
async def test_login_never_faults(api: Api, tenant: Tenant, email: str, password: str) -> None:
    await _no_fault(api, "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }",
                    {"e": email, "p": password}, auth=False)
