"""Tickets: SLA from priority, the status machine, assignment, comments, breached listing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from db.base import utcnow
from db.models.core import Event, Role, Tenant
from db.models.service import Ticket
from tests.conftest import Api
from tests.orders.conftest import Chain, count

OPEN = """mutation($c: ID!, $p: TicketPriority!) {
  openTicket(input: {customerId: $c, subject: "Broken zip", description: "The zip broke.", priority: $p}) {
    ticket { id number status priority slaDueAt slaBreached createdAt } errors { field code message } } }"""
UPDATE = """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
  ticket { id status priority slaDueAt slaBreached resolvedAt assignee { name } } errors { field code message } } }"""
COMMENT = """mutation($id: ID!, $body: String!) { commentTicket(input: {id: $id, body: $body}) {
  ticket { comments { body author { name } } } errors { field code } } }"""
BREACHED = """query($breached: Boolean, $status: [TicketStatus!]) {
  tickets(breached: $breached, status: $status) { totalCount edges { node { number slaBreached } } } }"""


async def _open(api: Api, chain: Chain, priority: str = "NORMAL", customer: str = "alice", **kw: str) -> dict:
    data = await api.ok(OPEN, {"c": chain.customer(customer), "p": priority}, **kw)
    return data["openTicket"]


async def _update(api: Api, ticket_id: str, **fields: object) -> dict:
    return (await api.ok(UPDATE, {"input": {"id": ticket_id, **fields}}))["updateTicket"]


def _hours(ticket: dict) -> float:
    due, created = (datetime.fromisoformat(ticket[k]) for k in ("slaDueAt", "createdAt"))
    return (due - created) / timedelta(hours=1)


@pytest.mark.parametrize(("priority", "hours"), [("URGENT", 4), ("HIGH", 24), ("NORMAL", 72), ("LOW", 168)])
async def test_sla_due_from_priority(api: Api, chain: Chain, priority: str, hours: int) -> None:
    payload = await _open(api, chain, priority)
    assert payload["errors"] == []
    assert payload["ticket"]["number"] == "T-000001"
    assert payload["ticket"]["status"] == "OPEN"
    assert _hours(payload["ticket"]) == hours
    assert payload["ticket"]["slaBreached"] is False
    assert await count(api, Event, Event.type == "TICKET_OPENED") == 1


async def test_tenant_settings_override_sla_hours(api: Api, chain: Chain) -> None:
    # given
    async with api.db.transaction(all_tenants=True) as session:
        await session.execute(update(Tenant).where(Tenant.id == chain.tenant.id)
                              .values(settings={"sla_hours": {"URGENT": 1, "LOW": "bogus"}}))
    # when
    urgent, low = await _open(api, chain, "URGENT"), await _open(api, chain, "LOW")
    # then: a bogus value falls back to the default
    assert (_hours(urgent["ticket"]), _hours(low["ticket"])) == (1, 168)
    # and a priority change recomputes the due time from creation
    changed = await _update(api, low["ticket"]["id"], priority="URGENT")
    assert datetime.fromisoformat(changed["ticket"]["slaDueAt"]) == (
        datetime.fromisoformat(low["ticket"]["createdAt"]) + timedelta(hours=1))


async def test_every_legal_transition(api: Api, chain: Chain) -> None:
    ticket_id = (await _open(api, chain))["ticket"]["id"]
    path = ["IN_PROGRESS", "WAITING", "IN_PROGRESS", "RESOLVED", "OPEN", "RESOLVED", "CLOSED"]
    for status in path:
        result = await _update(api, ticket_id, status=status)
        assert result["errors"] == [], status
        assert result["ticket"]["status"] == status
        assert (result["ticket"]["resolvedAt"] is not None) == (status in {"RESOLVED", "CLOSED"})
    # OPEN -> RESOLVED directly, WAITING -> RESOLVED
    other = (await _open(api, chain))["ticket"]["id"]
    assert (await _update(api, other, status="RESOLVED"))["errors"] == []
    third = (await _open(api, chain))["ticket"]["id"]
    for status in ("IN_PROGRESS", "WAITING", "RESOLVED"):
        assert (await _update(api, third, status=status))["errors"] == []
    assert await count(api, Event, Event.type == "TICKET_UPDATED") == len(path) + 1 + 3


ILLEGAL = {
    "OPEN": ["WAITING", "CLOSED"],
    "IN_PROGRESS": ["OPEN", "CLOSED"],
    "WAITING": ["OPEN", "CLOSED"],
    "RESOLVED": ["IN_PROGRESS", "WAITING"],
    "CLOSED": ["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED"],
}
REACH = {"OPEN": [], "IN_PROGRESS": ["IN_PROGRESS"], "WAITING": ["IN_PROGRESS", "WAITING"],
         "RESOLVED": ["RESOLVED"], "CLOSED": ["RESOLVED", "CLOSED"]}


@pytest.mark.parametrize("state", list(ILLEGAL))
async def test_illegal_transitions(api: Api, chain: Chain, state: str) -> None:
    ticket_id = (await _open(api, chain))["ticket"]["id"]
    for status in REACH[state]:
        assert (await _update(api, ticket_id, status=status))["errors"] == []
    for target in ILLEGAL[state]:
        result = await _update(api, ticket_id, status=target, priority="HIGH")
        assert [(e["code"], e["field"]) for e in result["errors"]] == [("ILLEGAL_TRANSITION", ["status"])]
    async with api.db.session(all_tenants=True) as session:
        row = (await session.scalars(select(Ticket))).one()
    assert (row.status, row.priority) == (state, "NORMAL")  # the priority change rolled back too


async def test_breached_computed_and_listed(api: Api, chain: Chain) -> None:
    # given: one overdue open ticket, one resolved late, one resolved in time, one fresh
    overdue, late, in_time, fresh = [(await _open(api, chain))["ticket"] for _ in range(4)]
    async with api.db.transaction(tenant_id=chain.tenant.id) as session:
        past = utcnow() - timedelta(hours=1)
        for t in (overdue, late):
            await session.execute(update(Ticket).where(Ticket.number == t["number"]).values(sla_due_at=past))
    late_result = await _update(api, late["id"], status="RESOLVED")
    in_time_result = await _update(api, in_time["id"], status="RESOLVED")
    # when
    breached = (await api.ok(BREACHED, {"breached": True}))["tickets"]
    breached_open = (await api.ok(BREACHED, {"breached": True, "status": ["OPEN"]}))["tickets"]
    fine = (await api.ok(BREACHED, {"breached": False}))["tickets"]
    # then
    assert late_result["ticket"]["slaBreached"] is True
    assert in_time_result["ticket"]["slaBreached"] is False
    assert {e["node"]["number"] for e in breached["edges"]} == {overdue["number"], late["number"]}
    assert all(e["node"]["slaBreached"] for e in breached["edges"])
    assert [e["node"]["number"] for e in breached_open["edges"]] == [overdue["number"]]
    assert {e["node"]["number"] for e in fine["edges"]} == {in_time["number"], fresh["number"]}


async def test_assignee_must_cover_the_customer_and_work_tickets(api: Api, chain: Chain) -> None:
    # given
    ticket_id = (await _open(api, chain, customer="alice"))["ticket"]["id"]
    staff = {}
    for name, role, node in (("de", Role.SUPPORT, "DE"), ("jp", Role.SUPPORT, "JP"), ("sales", Role.SALES, "HQ")):
        token = await api.make_staff(chain.tenant, role=role, scope_node_id=chain.nodes[node].id,
                                     email=f"{name}@acme.example")
        staff[name] = (await api.ok("{ me { id name } }", token=token))["me"]
    # when / then
    jp = await _update(api, ticket_id, assigneeId=staff["jp"]["id"])
    assert [(e["code"], e["field"]) for e in jp["errors"]] == [("INVALID", ["assigneeId"])]
    sales = await _update(api, ticket_id, assigneeId=staff["sales"]["id"])
    assert [(e["code"], e["field"]) for e in sales["errors"]] == [("INVALID", ["assigneeId"])]
    unknown = await _update(api, ticket_id, assigneeId=chain.customer("alice"))
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("NOT_FOUND", ["assigneeId"])]
    de = await _update(api, ticket_id, assigneeId=staff["de"]["id"])
    assert de["ticket"]["assignee"] == {"name": staff["de"]["name"]}
    listed = await api.ok("query($a: ID) { tickets(assigneeId: $a) { totalCount } }", {"a": staff["de"]["id"]})
    assert listed["tickets"]["totalCount"] == 1
    kept = await _update(api, ticket_id, status="IN_PROGRESS")
    assert kept["ticket"]["assignee"] == {"name": staff["de"]["name"]}
    unassigned = await _update(api, ticket_id, assigneeId=None)
    assert unassigned["ticket"]["assignee"] is None


async def test_comments_oldest_first_with_author(api: Api, chain: Chain) -> None:
    ticket_id = (await _open(api, chain))["ticket"]["id"]
    await api.ok(COMMENT, {"id": ticket_id, "body": "first"})
    data = await api.ok(COMMENT, {"id": ticket_id, "body": "second"})
    assert data["commentTicket"]["ticket"]["comments"] == [
        {"body": "first", "author": {"name": "Administrator"}},
        {"body": "second", "author": {"name": "Administrator"}},
    ]
    empty = await api.ok(COMMENT, {"id": ticket_id, "body": "  "})
    assert empty["commentTicket"]["errors"] == [{"field": ["body"], "code": "INVALID"}]


async def test_tickets_outside_scope_do_not_exist(api: Api, chain: Chain) -> None:
    # given a ticket of yuki (JP) and support staff of DE
    ticket_id = (await _open(api, chain, customer="yuki"))["ticket"]["id"]
    support = await api.make_staff(chain.tenant, role=Role.SUPPORT, scope_node_id=chain.nodes["DE"].id)
    # when
    opened = await _open(api, chain, customer="yuki", token=support)
    data = await api.ok("query($id: ID!) { node(id: $id) { id } tickets { totalCount } }", {"id": ticket_id},
                        token=support)
    changed = await api.ok(UPDATE, {"input": {"id": ticket_id, "status": "IN_PROGRESS"}}, token=support)
    # then
    assert [(e["code"], e["field"]) for e in opened["errors"]] == [("NOT_FOUND", ["customerId"])]
    assert data == {"node": None, "tickets": {"totalCount": 0}}
    assert changed["updateTicket"]["errors"][0]["code"] == "NOT_FOUND"


TICKETS_PAGE = """query($first: Int!) { tickets(first: $first) { totalCount edges { node {
  number slaBreached customer { name node { code } } assignee { name } comments { body author { name } } } } } }"""


async def test_ticket_list_statements_do_not_grow_with_the_page(api: Api, chain: Chain) -> None:
    # given six tickets over three customers, each with two comments
    for i in range(6):
        ticket_id = (await _open(api, chain, customer=("alice", "bob", "yuki")[i % 3]))["ticket"]["id"]
        for body in ("one", "two"):
            await api.ok(COMMENT, {"id": ticket_id, "body": body})
    # when
    small = await api.statements(TICKETS_PAGE, {"first": 2})
    large = await api.statements(TICKETS_PAGE, {"first": 6})
    # then: page, count, customers, their nodes, comments, authors (no assignees: none set)
    assert small == large == 6
