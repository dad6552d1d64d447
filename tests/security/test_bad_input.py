"""Bad input answers with a typed error (never INTERNAL, never a 5xx) and changes nothing."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from db.models.core import AuditEntry
from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.security.harness import row_counts

CUSTOMERS = "query($f: CustomerFilter, $after: String) { customers(filter: $f, after: $after) { totalCount } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
LOGIN = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { token } }"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _post(api: Api, query: str, variables: dict[str, Any], *, auth: bool = True) -> dict[str, Any]:
    """Sent as ASCII JSON, so that a lone surrogate travels as the escape a client would send."""
    headers = {"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"} if auth else {
        "Content-Type": "application/json"}
    body = json.dumps({"query": query, "variables": variables})
    resp = await api.client.post("/graphql", content=body, headers=headers)
    assert resp.status_code < 500, resp.text
    return resp.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def _refused(body: dict[str, Any]) -> None:
    assert body["data"] is None, body
    # BAD_REQUEST: the body itself was refused (orjson refuses a lone surrogate's escape)
    assert _codes(body) and set(_codes(body)) <= {"BAD_USER_INPUT", "BAD_REQUEST"}, body


BAD_STRINGS = {"nul": "a\x00b", "surrogate": "a\ud800b", "900KB": "x" * 900_000}


@pytest.mark.parametrize("text", BAD_STRINGS.values(), ids=BAD_STRINGS.keys())
async def test_strings_a_column_cannot_hold_are_refused_everywhere(api: Api, tenant: Tenant, text: str) -> None:
    before = await row_counts(api)
    # when: as a variable, as a literal, and to the unauthenticated login
    as_variable = await _post(api, CUSTOMERS, {"f": {"search": text}})
    literal = "{ customers(filter: {search: " + json.dumps(text) + "}) { totalCount } }"
    as_literal = await _post(api, literal, {})
    login = await _post(api, LOGIN, {"e": "a@acme.example", "p": text}, auth=False)
    # then
    _refused(as_variable)
    _refused(login)
    # a literal lone surrogate is already a syntax error of graphql-core's parser
    assert as_literal["data"] is None and "INTERNAL" not in _codes(as_literal), as_literal
    assert await row_counts(api) == before


async def test_plain_unicode_strings_still_pass(api: Api, tenant: Tenant) -> None:
    data = await api.ok(CUSTOMERS, {"f": {"search": "Zoë 東京 😀"}})
    assert data["customers"]["totalCount"] == 0


@pytest.mark.parametrize("key", [2**63, 2**64 + 5, 10**40, 0, -1])
async def test_global_ids_whose_key_fits_no_bigint_are_not_found(api: Api, tenant: Tenant, key: int) -> None:
    gid = _b64(f"Customer:{key}".encode())
    body = await api.post(NODE, {"id": gid})
    assert "errors" not in body, body
    assert body["data"]["node"] is None
    customer = await api.post("query($id: ID!) { customer(id: $id) { id } }", {"id": gid})
    assert "INTERNAL" not in _codes(customer), customer


FORGED = {
    "not-json": _b64(b"\xff\xfe"),
    "object": _b64(b'{"a": 1}'),
    "wrong-width": _b64(b"[1]"),
    "nested": _b64(b'[[1], {"x": [2]}]'),
    "huge-int": _b64(b'["x", 99999999999999999999999]'),
    "huge-decimal": _b64(b'[{"d": "1e999999"}, 1]'),
    "bad-date": _b64(b'[{"t": "not a date"}, 1]'),
    "types-swapped": _b64(b'[1, "x"]'),
    "nul": _b64(b'["\\u0000", 1]'),
}


@pytest.mark.parametrize("cursor", FORGED.values(), ids=FORGED.keys())
async def test_forged_cursors_are_bad_input(api: Api, tenant: Tenant, cursor: str) -> None:
    body = await api.post(CUSTOMERS, {"after": cursor})
    assert _codes(body) == ["BAD_USER_INPUT"], body


async def test_a_written_cursor_still_pages(api: Api, tenant: Tenant) -> None:
    data = await api.ok("{ auditLog(first: 1) { pageInfo { endCursor } } }")
    cursor = data["auditLog"]["pageInfo"]["endCursor"]
    if cursor:
        await api.ok("query($a: String) { auditLog(first: 1, after: $a) { totalCount } }", {"a": cursor})


BODIES = {
    "string": b'"x"', "number": b"1", "null": b"null", "empty-list": b"[]",
    "invalid-utf8": b'\xff\xfe{"query": "{ me { email } }"}',
    "deep-list": b"[" * 1000 + b"]" * 1000,
    "deep-variables": b'{"query": "{ me { email } }", "variables": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
}


@pytest.mark.parametrize("raw", BODIES.values(), ids=BODIES.keys())
async def test_bodies_that_are_no_graphql_request_are_400_with_a_graphql_error(
    api: Api, tenant: Tenant, raw: bytes
) -> None:
    resp = await api.client.post(
        "/graphql", content=raw,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["data"] is None and _codes(body) == ["BAD_REQUEST"], body


@pytest.mark.parametrize("at", ["2026-01-01T00:00:00", "2026-01-01", "99999-01-01T00:00:00Z", "x"])
async def test_datetimes_without_offset_or_out_of_range_are_bad_input(api: Api, tenant: Tenant, at: str) -> None:
    body = await api.post(CUSTOMERS, {"f": {"createdAfter": at}})
    _refused(body)


TASK = "mutation($at: DateTime!) { createTask(input: {title: \"Call\", dueAt: $at}) { task { id } errors { field } } }"


@pytest.mark.parametrize("at", ["2099-01-01T10:00:00", "99999-01-01T00:00:00Z"])
async def test_a_mutation_input_datetime_without_offset_is_bad_input_naming_it(
    api: Api, tenant: Tenant, at: str
) -> None:
    before = await row_counts(api)
    body = await api.post(TASK, {"at": at})
    _refused(body)
    assert "dueAt" in body["errors"][0]["message"] or "$at" in body["errors"][0]["message"], body
    assert await row_counts(api) == before


async def test_a_datetime_with_offset_still_filters(api: Api, tenant: Tenant) -> None:
    data = await api.ok(CUSTOMERS, {"f": {"createdAfter": "2026-01-01T00:00:00+02:00"}})
    assert data["customers"]["totalCount"] == 0


RATE = "mutation($r: Decimal!) { setExchangeRate(input: {currency: \"USD\", date: \"2026-01-02\", rate: $r}) " \
       "{ exchangeRate { rate } errors { field code } } }"


@pytest.mark.parametrize("rate", ["1e999999", "-1e-999999"])
async def test_decimals_past_any_column_are_bad_input_and_store_nothing(
    api: Api, tenant: Tenant, rate: str
) -> None:
    before = await row_counts(api)
    _refused(await api.post(RATE, {"r": rate}))
    assert await row_counts(api) == before


@pytest.mark.parametrize("rate", ["NaN", "Infinity", "1" * 19, "0.12345678901"])
async def test_decimals_the_column_cannot_hold_are_a_field_error_and_store_nothing(
    api: Api, tenant: Tenant, rate: str
) -> None:
    before = await row_counts(api)
    body = await api.post(RATE, {"r": rate})
    assert "errors" not in body, body
    payload = body["data"]["setExchangeRate"]
    assert payload["exchangeRate"] is None and [e["field"] for e in payload["errors"]] == [["rate"]], payload
    assert await row_counts(api) == before


async def test_a_decimal_that_fits_is_stored(api: Api, tenant: Tenant) -> None:
    data = await api.ok(RATE, {"r": "1.0850000001"})
    assert data["setExchangeRate"]["errors"] == [], data


CREATE_STAFF = """mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id name locale } errors { field code message } } }"""
CREATE_TOKEN = """mutation($name: String!) {
  createApiToken(input: {name: $name}) { token apiToken { name } errors { field code message } } }"""


def _staff(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    return {"name": "Mia", "email": "mia@acme.example", "role": "SALES",
            "scopeNodeId": str(to_global_id("TierNode", tenant.root_id)), **overrides}


def _fields(payload: dict[str, Any]) -> list[list[str]]:
    return [e["field"] for e in payload["errors"]]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": "x" * 201}, ["name"]),
    ({"locale": "<script>"}, ["locale"]),
    ({"locale": "en-" + "x" * 40}, ["locale"]),
    ({"locale": "x" * 10_000}, ["locale"]),
], ids=["name-201", "locale-script", "locale-long", "locale-10k"])
async def test_staff_text_past_its_column_or_no_locale_is_a_field_error(
    api: Api, tenant: Tenant, overrides: dict[str, Any], field: list[str],
) -> None:
    before = await row_counts(api)
    data = await api.ok(CREATE_STAFF, {"input": _staff(tenant, **overrides)})
    assert data["createStaff"]["staff"] is None and _fields(data["createStaff"]) == [field], data
    assert await row_counts(api) == before


async def test_staff_at_the_column_length_with_a_locale_in_any_case_is_stored(api: Api, tenant: Tenant) -> None:
    data = await api.ok(CREATE_STAFF, {"input": _staff(tenant, name="x" * 200, locale="zh_cn")})
    assert data["createStaff"]["errors"] == [], data
    assert data["createStaff"]["staff"]["locale"] == "zh-CN"


async def test_a_token_name_past_its_column_is_a_field_error(api: Api, tenant: Tenant) -> None:
    before = await row_counts(api)
    data = await api.ok(CREATE_TOKEN, {"name": "t" * 201})
    assert data["createApiToken"]["token"] is None and _fields(data["createApiToken"]) == [["name"]], data
    assert await row_counts(api) == before
    fits = await api.ok(CREATE_TOKEN, {"name": "t" * 200})
    assert fits["createApiToken"]["apiToken"]["name"] == "t" * 200


@pytest.mark.parametrize("given", [b"r" * 65, b"r" * 128, b"a b", b"caf\xe9", b"a\tb", b""],
                         ids=["65", "128", "space", "latin-1", "tab", "empty"])
async def test_an_unusable_request_id_is_replaced_by_a_fresh_one(api: Api, tenant: Tenant, given: bytes) -> None:
    # when: a write that audits the request id
    resp = await api.client.post("/graphql", json={"query": 'mutation { createApiToken(input: {name: "rid"}) { token } }'},
                                 headers=[(b"authorization", f"Bearer {api.token}".encode()), (b"x-request-id", given)])
    # then: it worked, and the audit row holds a generated id, not the header
    assert resp.status_code == 200 and resp.json()["data"]["createApiToken"]["token"], resp.text
    async with api.db.session(tenant_id=tenant.id) as session:
        ids = (await session.scalars(select(AuditEntry.request_id).where(AuditEntry.operation == "createApiToken"))).all()
    assert len(ids) == 1 and re.fullmatch(r"[0-9a-f]{32}", ids[0] or ""), ids


async def test_a_usable_request_id_is_kept(api: Api, tenant: Tenant) -> None:
    given = "req-" + "a" * 60
    resp = await api.client.post("/graphql", json={"query": 'mutation { createApiToken(input: {name: "rid"}) { token } }'},
                                 headers={"authorization": f"Bearer {api.token}", "x-request-id": given})
    assert resp.status_code == 200, resp.text
    async with api.db.session(tenant_id=tenant.id) as session:
        ids = (await session.scalars(select(AuditEntry.request_id).where(AuditEntry.operation == "createApiToken"))).all()
    assert ids == [given]


# ---------- found by the schema fuzzer (test_schema_fuzz.py) and the class-3 edges ----------

OUT_OF_RANGE = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]  # years 10000 and 0 in UTC
DATETIME_USES = {
    "customers-filter": "query($v: DateTime) { customers(filter: {createdAfter: $v}) { totalCount } }",
    "sales-report": "query($v: DateTime) { reports { salesByNode(from: $v) { __typename } } }",
    "rfm-report": "query($v: DateTime) { reports { rfm(asOf: $v) { __typename } } }",
    "tasks": "query($v: DateTime) { tasks(dueBefore: $v) { totalCount } }",
    "rollup": "query($v: DateTime) { tierTree { rollup(from: $v) { __typename } } }",
    "token-input": "mutation($v: DateTime) { createApiToken(input: {name: \"t\", expiresAt: $v}) { token } }",
}


@pytest.mark.parametrize("at", OUT_OF_RANGE)
@pytest.mark.parametrize("use", DATETIME_USES.values(), ids=DATETIME_USES.keys())
async def test_a_datetime_whose_utc_instant_is_past_year_9999_or_before_1_is_bad_input(
    api: Api, tenant: Tenant, use: str, at: str
) -> None:
    before = await row_counts(api)
    body = await _post(api, use, {"v": at})
    _refused(body)
    assert "years 1-9999" in body["errors"][0]["message"], body
    assert await row_counts(api) == before


async def test_the_last_and_first_instants_in_utc_still_work(api: Api, tenant: Tenant) -> None:
    for at in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T09:59:59-14:00"):
        data = await api.ok(DATETIME_USES["customers-filter"], {"v": at})
        assert data["customers"]["totalCount"] == 0


FORECAST = "query($from: Date, $to: Date) { reports { forecast(from: $from, to: $to) { winRate } } }"


async def test_a_forecast_up_to_the_last_date_python_holds_answers(api: Api, tenant: Tenant) -> None:
    # 9999-12-31 + 1 day (the exclusive bound of closed opportunities) overflowed: INTERNAL
    data = await api.ok(FORECAST, {"from": "0001-01-01", "to": "9999-12-31"})
    assert data["reports"]["forecast"] == {"winRate": None}


@pytest.mark.parametrize("day", ["99999-01-01", "10000-01-01", "2026-13-01", "x"])
async def test_a_date_python_cannot_hold_is_bad_input(api: Api, tenant: Tenant, day: str) -> None:
    _refused(await _post(api, FORECAST, {"to": day}))


PAST_SEQ = {"2^63": str(2**63), "20-digits": "9" * 20, "superscript": "²", "arabic-digits": "١٢", "negative": "-1"}
EVENTS = "query($a: String) { events(after: $a) { totalCount edges { cursor } } }"


@pytest.mark.parametrize("after", PAST_SEQ.values(), ids=PAST_SEQ.keys())
async def test_an_event_cursor_past_the_seq_column_is_bad_input(api: Api, tenant: Tenant, after: str) -> None:
    # 2^63 and 19 nines reached the driver (INTERNAL on both databases), "²" reached int()
    body = await _post(api, EVENTS, {"a": after})
    assert _codes(body) == ["BAD_USER_INPUT"], body


async def test_the_largest_event_cursor_is_an_empty_page(api: Api, tenant: Tenant) -> None:
    data = await api.ok(EVENTS, {"a": str(2**63 - 1)})
    assert data["events"]["edges"] == []


async def test_a_subscription_after_a_cursor_past_the_range_is_bad_input(api: Api, tenant: Tenant) -> None:
    from tests.events.conftest import connect

    async with connect(api.app, tenant.token) as ws:
        await ws.subscribe("1", {"after": str(2**63)}, "subscription($after: String) { events(after: $after) { cursor } }")
        msg = await ws.message()
    assert msg["type"] in ("error", "next"), msg
    errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], msg


async def test_replaying_a_webhook_after_a_cursor_past_the_range_is_a_field_error(api: Api, tenant: Tenant) -> None:
    made = await api.ok("mutation { createWebhook(input: {url: \"http://127.0.0.1:9/hook\"}) { webhook { id } errors { field } } }")
    hook = made["createWebhook"]["webhook"]["id"]
    replay = "mutation($id: ID!, $a: String!) { replayWebhook(input: {id: $id, after: $a}) { errors { field code } } }"
    for after in (str(2**63), "9" * 19, "²"):
        data = await api.ok(replay, {"id": hook, "a": after})
        assert data["replayWebhook"]["errors"] == [{"field": ["after"], "code": "INVALID"}], data


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_sent_over_http_is_a_typed_error(api: Api, tenant: Tenant, method: str) -> None:
    query = "subscription { events { cursor type } }"
    headers = {"Authorization": f"Bearer {api.token}"}
    if method == "POST":
        resp = await api.client.post("/graphql", json={"query": query}, headers=headers)
    else:
        resp = await api.client.get("/graphql", params={"query": query}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert _codes(resp.json()) == ["BAD_REQUEST"] and "websocket" in resp.json()["errors"][0]["message"], resp.text
    strict = await api.client.post("/graphql", json={"query": query},
                                   headers={**headers, "Accept": "application/graphql-response+json"})
    assert strict.status_code == 400 and _codes(strict.json()) == ["BAD_REQUEST"], strict.text


async def test_a_field_failing_beside_one_still_reading_closes_the_session_after_it(
    api: Api, tenant: Tenant
) -> None:
    # timeline's bad cursor nulls the customer at once; graphql-core answered while rfm was still
    # reading, the session closed under it: an exception out of the app (HTTP 500) or the
    # driver's message unmasked ("Cannot operate on a closed database")
    from tests.security.harness import add_customer, add_node

    store = await add_node(api, tenant.id, tenant.root_id, "S1", "Store one")
    gid = to_global_id("Customer", await add_customer(api, tenant.id, store.id, name="Fay", email="fay@x.example",
                                                      phone="+4930444444"))
    selection = '{ name rfm { orders } timeline(first: 0, after: "") { totalCount } }'
    read = await _post(api, "query($id: ID!) { customer(id: $id) " + selection + " }", {"id": gid})
    write = await _post(api, "mutation($id: ID!) { updateCustomer(input: {id: $id, attributes: null}) "
                             "{ customer " + selection + " } }", {"id": gid})
    for body in (read, write):
        assert _codes(body) == ["BAD_USER_INPUT"], body
    assert (await api.ok("query($id: ID!) { customer(id: $id) { name } }", {"id": gid}))["customer"]["name"] == "Fay"


@pytest.mark.parametrize(("filter_", "message"), [
    ({"search": "ab " * 33_000}, "at most 20 words"),
    ({"search": " ".join(f"w{i}" for i in range(21))}, "at most 20 words"),
    ({"tags": [f"t{i}" for i in range(40_000)]}, "at most 50"),
    ({"tierIds": [to_global_id("MembershipTier", i) for i in range(1, 30_001)]}, "at most 100"),
], ids=["33k-words", "21-words", "40k-tags", "30k-tiers"])
async def test_a_customer_filter_past_what_a_statement_holds_is_bad_input(
    api: Api, tenant: Tenant, filter_: dict[str, Any], message: str
) -> None:
    # each word a LIKE, each tag or tier a parameter: SQLite's expression depth and parameter
    # count, PostgreSQL's 32,767 parameters (INTERNAL before)
    body = await _post(api, CUSTOMERS, {"f": filter_})
    _refused(body)
    assert message in body["errors"][0]["message"], body


async def test_searches_within_the_limits_still_run_on_both_databases(api: Api, tenant: Tenant) -> None:
    for search in (" ".join(f"w{i}" for i in range(20)), "x" * 99_999, "é" * 99_999, "%_" * 49_999):
        data = await api.ok(CUSTOMERS, {"f": {"search": search}})
        assert data["customers"]["totalCount"] == 0


@pytest.mark.parametrize("query", [
    "query($v: [OrderStatus!]) { orders(status: $v) { totalCount } }",
    "query($v: [TicketStatus!]) { tickets(status: $v) { totalCount } }",
    "query($v: [OpportunityStatus!]) { opportunities(status: $v) { totalCount } }",
], ids=["orders", "tickets", "opportunities"])
async def test_a_status_filter_repeating_one_value_40000_times_is_that_value(
    api: Api, tenant: Tenant, query: str
) -> None:
    # 40,000 bound parameters were past PostgreSQL's 32,767 (INTERNAL); now they are one
    status = {"orders": "PAID", "tickets": "OPEN", "opportunities": "OPEN"}[query.split("{ ")[1].split("(")[0]]
    data = await api.ok(query, {"v": [status] * 40_000})
    assert next(iter(data.values()))["totalCount"] == 0
