"""Managing webhooks: who may, bad input, secret rotation, redeliver, replay, disabling."""

from __future__ import annotations

import json
from datetime import timedelta

import standardwebhooks

from db.models.core import Role
from resolvers.webhooks.worker import DISABLE_AFTER
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, emit, staff_token
from tests.webhooks.conftest import (
    CREATE,
    FakeClock,
    Receiver,
    create_webhook,
    deliveries,
    make_worker,
)

ROTATE = """
mutation($input: RotateWebhookSecretInput!) {
  rotateWebhookSecret(input: $input) { secret webhook { previousSecretValidUntil } errors { field code } }
}"""
REDELIVER = """
mutation($id: ID!) { redeliver(input: {deliveryId: $id}) { delivery { id redelivery } errors { field code } } }"""
REPLAY = """
mutation($id: ID!, $after: String!) {
  replayWebhook(input: {id: $id, after: $after}) { webhook { cursor } errors { field code message } }
}"""
UPDATE = """
mutation($input: UpdateWebhookInput!) { updateWebhook(input: $input) { webhook { state url } errors { field code } } }"""
DELETE = "mutation($id: ID!) { deleteWebhook(input: {id: $id}) { deletedId errors { field code } } }"


async def run(api: Api, clock: FakeClock) -> None:
    worker = make_worker(api, clock)
    try:
        await worker.run_once()
    finally:
        await worker.stop()


async def test_only_admins_and_integrators_manage_their_own_webhooks(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver
) -> None:
    sales = await staff_token(api, tenant, tree, Role.SALES)
    denied = (await api.ok(CREATE, {"input": {"url": receiver.url}}, token=sales))["createWebhook"]
    assert [e["code"] for e in denied["errors"]] == ["FORBIDDEN"]
    mine = await staff_token(api, tenant, tree, Role.INTEGRATOR)
    other = await staff_token(api, tenant, tree, Role.INTEGRATOR)
    made = await create_webhook(api, receiver.url, token=mine)
    gid = made["webhook"]["id"]
    # another integrator: the webhook does not exist for them, whatever they try
    assert (await api.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, token=other))["node"] is None
    assert (await api.ok("{ webhooks { id } }", token=other))["webhooks"] == []
    gone = (await api.ok(DELETE, {"id": gid}, token=other))["deleteWebhook"]
    assert gone == {"deletedId": None, "errors": [{"field": ["id"], "code": "NOT_FOUND"}]}
    # the admin sees every webhook of the tenant; the owner deletes theirs
    assert [w["id"] for w in (await api.ok("{ webhooks { id } }"))["webhooks"]] == [gid]
    assert (await api.ok(DELETE, {"id": gid}, token=mine))["deleteWebhook"]["deletedId"] == gid
    assert (await api.ok("{ webhooks { id } }"))["webhooks"] == []


async def test_bad_input_is_a_field_error_and_creates_nothing(api: Api, tenant: Tenant, receiver: Receiver) -> None:
    cases = [
        ({"secret": "not-a-secret"}, ["secret"]),
        ({"secret": "whsec_" + "A" * 200}, ["secret"]),
        ({"url": receiver.url + "?pad=" + "x" * 2100}, ["url"]),
        ({"url": "http://127.0.0.1:1/\u0000"}, None),
        ({"nodeId": "VGllck5vZGU6MQ"}, ["nodeId"]),
    ]
    for extra, field in cases:
        if field is None:  # refused for the whole request (NUL): typed, never INTERNAL
            body = await api.post(CREATE, {"input": {"url": receiver.url, **extra}})
            assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
            continue
        result = (await api.ok(CREATE, {"input": {"url": receiver.url, **extra}}))["createWebhook"]
        assert result["webhook"] is None and result["errors"][0]["field"] == field, result
    body = await api.post(CREATE, {"input": {"url": receiver.url, "eventTypes": ["NOPE"]}})
    assert body.get("data") is None and "EventType" in body["errors"][0]["message"]
    assert (await api.ok("{ webhooks { id } }"))["webhooks"] == []


async def test_after_rotation_both_secrets_verify_until_the_grace_ends(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    old = made["secret"]
    rotated = (await api.ok(ROTATE, {"input": {"id": made["webhook"]["id"], "gracePeriodHours": 1}}))
    new = rotated["rotateWebhookSecret"]["secret"]
    assert new != old and rotated["rotateWebhookSecret"]["webhook"]["previousSecretValidUntil"]
    await emit(api, tenant, tree, "A1", 1)
    await run(api, clock)
    [first] = receiver.received
    for secret in (old, new):
        assert standardwebhooks.Webhook(secret).verify(first.body, first.headers)["data"]["cursor"] == "1"
    clock.now += timedelta(hours=2)  # the grace has ended: only the new secret signs
    await emit(api, tenant, tree, "A1", 1)
    receiver.secret = old
    await run(api, clock)
    assert len(receiver.received) == 2 and receiver.verified == []
    assert standardwebhooks.Webhook(new).verify(receiver.received[1].body, receiver.received[1].headers)


async def test_redeliver_and_replay_send_again_with_the_same_webhook_id(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    receiver.secret = made["secret"]
    gid = made["webhook"]["id"]
    await emit(api, tenant, tree, "A1", 3)
    await run(api, clock)
    first = (await deliveries(api, gid))["deliveries"][-1]  # the oldest: cursor 1
    again = (await api.ok(REDELIVER, {"id": first["id"]}))["redeliver"]
    assert again["errors"] == [] and again["delivery"]["redelivery"] is True
    clock.advance(timedelta(minutes=1))  # the redelivery is due from the (real) time it was asked
    await run(api, clock)
    assert [p["data"]["cursor"] for p in receiver.verified] == ["1", "2", "3", "1"]
    assert receiver.received[3].headers["webhook-id"] == first["webhookMessageId"]
    replayed = (await api.ok(REPLAY, {"id": gid, "after": "1"}))["replayWebhook"]
    assert replayed == {"webhook": {"cursor": "1"}, "errors": []}
    await run(api, clock)
    assert [p["data"]["cursor"] for p in receiver.verified] == ["1", "2", "3", "1", "2", "3"]
    beyond = (await api.ok(REPLAY, {"id": gid, "after": "99"}))["replayWebhook"]
    assert beyond["webhook"] is None and beyond["errors"][0]["field"] == ["after"]


async def test_a_webhook_failing_for_three_days_is_disabled_with_an_event_and_an_audit_row(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    gid = made["webhook"]["id"]
    receiver.statuses = [500] * 1000
    await emit(api, tenant, tree, "A1", 1)
    hours = 0
    while hours <= DISABLE_AFTER.days * 24 + 24:
        await run(api, clock)
        clock.advance(timedelta(hours=1))
        hours += 1
    hook = await deliveries(api, gid)
    assert hook["state"] == "DISABLED"
    [delivery] = hook["deliveries"]
    assert delivery["status"] == "FAILED" and delivery["error"].startswith("webhook disabled")
    attempts = len(receiver.received)
    assert 8 <= attempts <= 12  # 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily for three days
    events = await api.ok('{ events(types: [WEBHOOK_DISABLED]) { edges { node { data subject { id } } } } }')
    [event] = [e["node"] for e in events["events"]["edges"]]
    assert event["subject"] == {"id": gid} and "failing since" in event["data"]["reason"]
    audit = await api.ok("query($id: ID!) { auditLog(entityId: $id) { edges { node { changes } } } }", {"id": gid})
    assert {"state": ["ACTIVE", "DISABLED"]} in [e["node"]["changes"] for e in audit["auditLog"]["edges"]]
    # re-enabled by its owner, it resumes from its cursor: the outage's events, then the new one
    receiver.statuses = []
    enabled = (await api.ok(UPDATE, {"input": {"id": gid, "active": True}}))["updateWebhook"]
    assert enabled["webhook"]["state"] == "ACTIVE"
    await emit(api, tenant, tree, "A1", 1)
    await run(api, clock)
    resumed = [json.loads(r.body)["data"] for r in receiver.received[attempts:]]
    assert [(d["cursor"], d["type"]) for d in resumed] == [
        ("1", "TIER_NODE_CHANGED"), ("2", "WEBHOOK_DISABLED"), ("3", "TIER_NODE_CHANGED"),
    ]
