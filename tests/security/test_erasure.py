"""GDPR erasure scrubs every historic value of the customer, not only the current one.

create → update name/email/phone twice → records quoting the old values → erase:
no API answer and no text column of any table holds any of the values, while the
audit rows of the updates stay (with the marker) and the erasure is audited.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from schema.relay import to_global_id
from tests.conftest import Api, Tenant
from tests.security.conftest import all_rows

NODE = """mutation($p: ID!) { createTierNode(input: {parentId: $p, code: "S1", name: "Store", kind: "store"}) {
  tierNode { id } } }"""
CREATE = """mutation($n: ID!, $name: String!, $email: String, $phone: String) {
  createCustomer(input: {nodeId: $n, name: $name, email: $email, phone: $phone}) { customer { id } errors { code } } }"""
UPDATE = """mutation($id: ID!, $name: String, $email: String, $phone: String) {
  updateCustomer(input: {id: $id, name: $name, email: $email, phone: $phone}) { errors { code field } } }"""
TICKET = """mutation($c: ID!, $s: String!, $d: String!) { openTicket(input: {customerId: $c, subject: $s, description: $d}) {
  ticket { id } errors { code } } }"""
COMMENT = "mutation($id: ID!, $b: String!) { commentTicket(input: {id: $id, body: $b}) { errors { code } } }"
TASK = "mutation($c: ID!, $t: String!) { createTask(input: {customerId: $c, title: $t, dueAt: \"2030-01-01T00:00:00Z\"}) { errors { code } } }"
INTERACTION = "mutation($c: ID!, $s: String!) { logInteraction(input: {customerId: $c, kind: CALL, summary: $s}) { errors { code } } }"
OPPORTUNITY = 'mutation($c: ID!, $t: String!) { createOpportunity(input: {customerId: $c, title: $t, amount: "10"}) { errors { code } } }'
ERASE = "mutation($id: ID!) { eraseCustomer(input: {id: $id}) { customer { name } errors { code } } }"
EXPORT = "query($id: ID!) { exportCustomer(id: $id) }"
READ = """query($id: ID!) {
  customer(id: $id) { name email phone
    timeline(first: 50) { edges { node { __typename ... on Ticket { subject description comments { body } }
      ... on Interaction { summary } ... on Opportunity { title } } } }
    tickets(first: 50) { edges { node { subject description comments { body } } } }
    interactions(first: 50) { edges { node { summary } } } }
  tasks(first: 50) { edges { node { title } } }
  auditLog(entityId: $id, first: 100) { edges { node { operation changes } } }
  events(first: 100) { edges { node { type data } } }
}"""
EVERYTHING = "query { auditLog(first: 100) { pageInfo { hasNextPage } edges { node { operation entityId changes } } } }"

# Three generations of each value; stored as given (the phone is E.164 already).
NAMES = ("Zoë Quinterro", "Zoe Quinterro-Marsh", "Zoë Marsh")
EMAILS = ("zoe.q@example.com", "zq.work@example.org", "marsh.z@example.net")
PHONES = ("+493055512345", "+493055598765", "+4915112345678")
# How people write the phones in text (national and international formats).
WRITTEN = ("030 55512345", "+49 1511 2345678")
OLD = (*NAMES, *EMAILS, *PHONES, *WRITTEN)


def _found(value: Any) -> list[str]:
    """Which of the values (case-insensitive, also JSON-escaped) the JSON of `value` contains."""
    text = orjson.dumps(value, default=str).decode().lower()
    return [v for v in OLD if v.lower() in text or orjson.dumps(v).decode()[1:-1].lower() in text]


async def _history(api: Api, tenant: Tenant) -> tuple[str, str]:
    store = (await api.ok(NODE, {"p": to_global_id("TierNode", tenant.root_id)}))["createTierNode"]["tierNode"]["id"]
    created = (await api.ok(CREATE, {"n": store, "name": NAMES[0], "email": EMAILS[0], "phone": PHONES[0]}))
    gid = created["createCustomer"]["customer"]["id"]
    for i in (1, 2):
        payload = await api.ok(UPDATE, {"id": gid, "name": NAMES[i], "email": EMAILS[i], "phone": PHONES[i]})
        assert payload["updateCustomer"]["errors"] == []
    ticket = (await api.ok(TICKET, {"c": gid, "s": f"Refund for {NAMES[0]}",
                                    "d": f"Wrote from {EMAILS[0]}, call {PHONES[0]}"}))["openTicket"]
    assert ticket["errors"] == []
    steps = [
        (COMMENT, {"id": ticket["ticket"]["id"], "b": f"{NAMES[1]} asked to use {EMAILS[1]}"}, "commentTicket"),
        (TASK, {"c": gid, "t": f"Call {NAMES[0]} back on {PHONES[1]}"}, "createTask"),
        (INTERACTION, {"c": gid, "s": f"Spoke to {NAMES[1]} ({PHONES[0]}), mail {EMAILS[1]}"}, "logInteraction"),
        (OPPORTUNITY, {"c": gid, "t": f"Wedding of {NAMES[0]}"}, "createOpportunity"),
        (TASK, {"c": gid, "t": f"Try {WRITTEN[0]} or {WRITTEN[1]}"}, "createTask"),
    ]
    for query, variables, name in steps:
        assert (await api.ok(query, variables))[name]["errors"] == [], name
    return gid, store


async def test_export_lists_every_record_before_erasure(api: Api, tenant: Tenant) -> None:
    # given
    gid, _ = await _history(api, tenant)
    # when
    data = (await api.ok(EXPORT, {"id": gid}))["exportCustomer"]
    # then: the current values, the related records and the history of all three generations
    assert sorted(_found(data)) == sorted(OLD)
    assert {"ticket", "ticket_comment", "task", "interaction", "opportunity"} <= set(data["related"])
    assert [a["operation"] for a in data["auditTrail"] if a["entity_type"] == "Customer"] == [
        "createCustomer", "updateCustomer", "updateCustomer"]


async def test_erasure_scrubs_every_historic_value_everywhere(api: Api, tenant: Tenant) -> None:
    # given
    gid, _ = await _history(api, tenant)
    before = await api.ok(READ, {"id": gid})
    assert sorted(_found(before)) == sorted(OLD)
    # when
    assert (await api.ok(ERASE, {"id": gid}))["eraseCustomer"] == {"customer": {"name": "Erased customer"}, "errors": []}
    # then: no API answer holds any old value
    after = await api.ok(READ, {"id": gid})
    assert _found(after) == []
    everything = (await api.ok(EVERYTHING))["auditLog"]
    assert everything["pageInfo"]["hasNextPage"] is False and _found(everything) == []
    # ... nor any column of any table
    rows = await all_rows(api)
    leaks = [f"{table}.{column}" for table, items in rows.items() for row in items
             for column, value in row.items() if _found(value)]
    assert leaks == []
    # the change history stays: same rows, same fields changed, values replaced by the marker
    log = [e["node"] for e in after["auditLog"]["edges"]]
    updates = [e["changes"] for e in log if e["operation"] == "updateCustomer"]
    assert len(updates) == 2
    for changes in updates:
        assert {"name", "email", "phone", "search_text"} <= set(changes)
        assert changes["name"] == ["***", "***"] and changes["email"] == ["***", "***"]
    # the erasure is audited, saying how much it scrubbed
    erasure = next(e["changes"] for e in log if e["operation"] == "eraseCustomer")
    assert erasure["name"] == ["***", "Erased customer"]
    scrubbed = erasure["_erasure"][1]
    assert scrubbed["auditEntries"] >= 3 and scrubbed["rows"] >= 5
    assert "CUSTOMER_ERASED" in [e["node"]["type"] for e in after["events"]["edges"]]


async def test_postgres_lets_only_an_erasure_rewrite_audit_values(api: Api, tenant: Tenant) -> None:
    if api.db.dialect != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    # given audit rows of a customer's history
    await _history(api, tenant)
    named = "FROM audit_entry WHERE changes ? 'name'"
    mask = "UPDATE audit_entry SET changes = jsonb_set(changes, '{name,1}', '\"***\"') WHERE changes ? 'name'"
    refused = {
        "no setting": ("", mask),
        "the old flag": ("on", mask),
        "a field dropped": ("1", "UPDATE audit_entry SET changes = changes - 'name' WHERE changes ? 'name'"),
        "another column": ("1", "UPDATE audit_entry SET operation = 'x' WHERE changes ? 'name'"),
        "a delete": ("1", f"DELETE {named}"),
    }
    # when
    outcomes = {}
    for case, (setting, statement) in refused.items():
        try:
            async with api.db.session(tenant_id=tenant.id) as session:
                await session.execute(text("SELECT set_config('canopy.audit_scrub', :v, true)"), {"v": setting})
                await session.execute(text(statement))
                await session.commit()
            outcomes[case] = "allowed"
        except DBAPIError as exc:
            outcomes[case] = "refused" if "append-only" in str(exc) else str(exc)
    async with api.db.session(tenant_id=tenant.id) as session:
        await session.execute(text("SELECT set_config('canopy.audit_scrub', '1', true)"))
        scrubbed = (await session.execute(text(mask))).rowcount
        await session.commit()
    # then
    assert outcomes == dict.fromkeys(refused, "refused")
    assert scrubbed >= 3
    async with api.db.session(tenant_id=tenant.id) as session:
        assert await session.scalar(text(f"SELECT count(*) {named} AND changes->'name'->>1 <> '***'")) == 0


async def test_erasure_leaves_a_namesake_and_their_records_alone(api: Api, tenant: Tenant) -> None:
    # given another customer of the same name, whose ticket quotes it
    gid, store = await _history(api, tenant)
    other = (await api.ok(CREATE, {"n": store, "name": NAMES[2], "email": None, "phone": None}))
    other_id = other["createCustomer"]["customer"]["id"]
    ticket = await api.ok(TICKET, {"c": other_id, "s": "Invoice", "d": f"For {NAMES[2]}"})
    assert ticket["openTicket"]["errors"] == []
    # when
    assert (await api.ok(ERASE, {"id": gid}))["eraseCustomer"]["errors"] == []
    # then
    kept = (await api.ok(READ, {"id": other_id}))["customer"]
    assert kept["name"] == NAMES[2]
    assert [e["node"]["description"] for e in kept["tickets"]["edges"]] == [f"For {NAMES[2]}"]
