"""Tasks: creation rules (scope of the assignee), complete/reopen/snooze, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models.pipeline import Task
from tests.conftest import Api
from tests.pipeline.conftest import Shop, count, create_opportunity

CREATE = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) {
    task { id title dueAt done assignee { id } customer { name } opportunity { title } }
    errors { field code message }
  }
}"""

COMPLETE = "mutation($id: ID!) { completeTask(input: {id: $id}) { task { done doneAt } errors { field code } } }"
REOPEN = "mutation($id: ID!) { reopenTask(input: {id: $id}) { task { done } errors { field code } } }"
SNOOZE = """
mutation($id: ID!, $due: DateTime!) {
  snoozeTask(input: {id: $id, dueAt: $due}) { task { dueAt } errors { field code } }
}"""

NODE = "query($id: ID!) { node(id: $id) { ... on Task { title } } }"

LIST = """
query($assignee: ID, $dueBefore: DateTime, $done: Boolean, $first: Int) {
  tasks(assigneeId: $assignee, dueBefore: $dueBefore, done: $done, first: $first) {
    totalCount edges { node { title done assignee { name } customer { name } } }
  }
}"""


def _in(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def _task(api: Api, shop: Shop, title: str, hours: float, **fields: str) -> dict:
    fields.setdefault("customerId", shop.customers["S1"])
    data = await api.ok(CREATE, {"input": {"title": title, "dueAt": _in(hours), **fields}})
    assert data["createTask"]["errors"] == [], data
    return data["createTask"]["task"]


async def test_task_on_an_opportunity_takes_its_customer(api: Api, shop: Shop) -> None:
    # given
    opp = (await create_opportunity(api, customerId=shop.customers["S2"], title="Deal", amount="5"))[
        "opportunity"]
    # when
    task = await _task(api, shop, "Call back", 2, customerId=None, opportunityId=opp["id"],
                       assigneeId=shop.sales_id)
    # then
    assert task["customer"] == {"name": "Customer S2"} and task["opportunity"] == {"title": "Deal"}
    assert task["assignee"]["id"] == shop.sales_id and task["done"] is False


async def test_bad_input_is_a_user_error_and_writes_nothing(api: Api, shop: Shop) -> None:
    opp = (await create_opportunity(api, customerId=shop.customers["S2"], title="Deal", amount="5"))[
        "opportunity"]
    cases = [
        ({"customerId": shop.customers["S2"], "assigneeId": shop.s1_id}, ["assigneeId"], "INVALID"),
        ({"customerId": shop.customers["S1"], "opportunityId": opp["id"]}, ["customerId"], "INVALID"),
        ({}, ["customerId"], "INVALID"),
        ({"customerId": shop.customers["S1"], "title": ""}, ["title"], "INVALID"),
        ({"opportunityId": "T3Bwb3J0dW5pdHk6MQ"}, ["opportunityId"], "NOT_FOUND"),
    ]
    for fields, field, code in cases:
        data = await api.ok(CREATE, {"input": {"title": "T", "dueAt": _in(1), **fields}})
        assert [(e["field"], e["code"]) for e in data["createTask"]["errors"]] == [(field, code)], fields
    assert await count(api, shop.tenant, Task) == 0


async def test_complete_reopen_and_snooze(api: Api, shop: Shop) -> None:
    # given
    task = await _task(api, shop, "Send offer", -1)
    # when
    done = (await api.ok(COMPLETE, {"id": task["id"]}))["completeTask"]
    twice = (await api.ok(COMPLETE, {"id": task["id"]}))["completeTask"]
    snoozed_done = (await api.ok(SNOOZE, {"id": task["id"], "due": _in(3)}))["snoozeTask"]
    reopened = (await api.ok(REOPEN, {"id": task["id"]}))["reopenTask"]
    past = (await api.ok(SNOOZE, {"id": task["id"], "due": _in(-3)}))["snoozeTask"]
    later = _in(3)
    snoozed = (await api.ok(SNOOZE, {"id": task["id"], "due": later}))["snoozeTask"]
    # then
    assert done["task"]["done"] is True and done["task"]["doneAt"] is not None
    assert twice["errors"] == [{"field": ["id"], "code": "ILLEGAL_TRANSITION"}]
    assert snoozed_done["errors"] == [{"field": ["id"], "code": "ILLEGAL_TRANSITION"}]
    assert reopened == {"task": {"done": False}, "errors": []}
    assert past["errors"] == [{"field": ["dueAt"], "code": "INVALID"}]
    assert datetime.fromisoformat(snoozed["task"]["dueAt"]) == datetime.fromisoformat(later)


async def test_listing_filters_and_scope(api: Api, shop: Shop) -> None:
    # given
    await _task(api, shop, "Overdue S1", -2, assigneeId=shop.s1_id)
    await _task(api, shop, "Later S1", 5, assigneeId=shop.s1_id)
    s3 = await _task(api, shop, "Overdue S3", -1, customerId=shop.customers["S3"], assigneeId=shop.sales_id)
    finished = await _task(api, shop, "Done S1", -3, assigneeId=shop.s1_id)
    await api.ok(COMPLETE, {"id": finished["id"]})
    now = _in(0)
    # when
    overdue_mine = (await api.ok(LIST, {"assignee": shop.s1_id, "dueBefore": now, "done": False},
                                 token=shop.s1_token))["tasks"]
    all_open = (await api.ok(LIST, {"done": False}))["tasks"]
    seen_by_s1 = (await api.ok(LIST, {}, token=shop.s1_token))["tasks"]
    # then
    assert [e["node"]["title"] for e in overdue_mine["edges"]] == ["Overdue S1"]
    assert [e["node"]["title"] for e in all_open["edges"]] == ["Overdue S1", "Overdue S3", "Later S1"]
    assert [e["node"]["title"] for e in seen_by_s1["edges"]] == ["Done S1", "Overdue S1", "Later S1"]
    assert seen_by_s1["totalCount"] == 3
    foreign = (await api.ok(COMPLETE, {"id": s3["id"]}, token=shop.s1_token))["completeTask"]
    assert (await api.ok(NODE, {"id": s3["id"]}, token=shop.s1_token))["node"] is None
    assert (await api.ok(NODE, {"id": s3["id"]}))["node"] == {"title": "Overdue S3"}
    assert foreign == {"task": None, "errors": [{"field": ["id"], "code": "NOT_FOUND"}]}


async def test_listing_costs_the_same_statements_at_two_page_sizes(api: Api, shop: Shop) -> None:
    for i in range(5):
        await _task(api, shop, f"T{i}", i, customerId=shop.customers["S1" if i % 2 else "S2"])
    assert await api.statements(LIST, {"first": 2}) == await api.statements(LIST, {"first": 5})
