"""Deliveries through the real worker to a loopback receiver that verifies with standardwebhooks."""

from __future__ import annotations

from datetime import timedelta

from db.models.core import Role
from resolvers.webhooks.worker import RETRY_SCHEDULE
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, add_customer, emit, staff_token
from tests.webhooks.conftest import FakeClock, Receiver, create_webhook, deliveries, make_worker


async def test_events_arrive_signed_in_order_with_the_subscription_payload(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    # given: an INTEGRATOR's webhook for customer events (created after two older events)
    await emit(api, tenant, tree, "A1", 2)
    token = await staff_token(api, tenant, tree, Role.INTEGRATOR)
    made = await create_webhook(api, receiver.url, token=token, eventTypes=["CUSTOMER_CREATED"])
    assert made["errors"] == [] and made["secret"].startswith("whsec_")
    receiver.secret = made["secret"]
    # when: a customer is created among other events, and the worker runs
    await emit(api, tenant, tree, "A1", 1)
    await add_customer(api, tenant, tree, "A1", email="ada@example.com", phone="+33612345678")
    await add_customer(api, tenant, tree, "B1", email="bob@example.com", phone="+33612345679")
    worker = make_worker(api, clock)
    try:
        await worker.run_once()
        # and events it does not want pass it by: its cursor follows the log, nothing is sent
        await emit(api, tenant, tree, "A1", 2)
        await worker.run_once()
        await worker.run_once()
    finally:
        await worker.stop()
    # then: both customer events, verified, in order, PII masked as for the INTEGRATOR's subscription
    assert len(receiver.received) == 2
    first, second = receiver.verified
    assert [first["data"]["cursor"], second["data"]["cursor"]] == ["4", "5"]
    assert first["type"] == "CUSTOMER_CREATED" and first["data"]["node"]["code"] == "A1"
    assert first["data"]["data"]["email"] == "a***@example.com" and first["data"]["data"]["name"] == "Ada"
    assert receiver.received[0].headers["webhook-id"].startswith("msg_")
    hook = await deliveries(api, made["webhook"]["id"], token=token)
    assert hook["cursor"] == "7"
    assert {d["status"] for d in hook["deliveries"]} == {"DELIVERED"}
    assert [d["statusCode"] for d in hook["deliveries"]] == [200, 200]


async def test_failing_three_times_is_delivered_on_the_fourth_at_the_scheduled_times(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    receiver.secret, receiver.statuses = made["secret"], [500, 503, 502]
    await emit(api, tenant, tree, "A1", 2)
    worker = make_worker(api, clock)
    times = []
    try:
        # the worker runs every second of the fake clock's first 40 minutes
        for _ in range(RETRY_SCHEDULE[0].seconds + RETRY_SCHEDULE[1].seconds + RETRY_SCHEDULE[2].seconds + 5):
            before = len(receiver.received)
            await worker.run_once()
            times += [clock.now] * (len(receiver.received) - before)
            clock.advance(timedelta(seconds=1))
    finally:
        await worker.stop()
    start = times[0]
    # then: event 1 at 0, 5 s, 5 s + 5 min, 5 s + 5 min + 30 min (delivered), then event 2 right away
    assert [t - start for t in times] == [
        timedelta(0), RETRY_SCHEDULE[0], RETRY_SCHEDULE[0] + RETRY_SCHEDULE[1],
        RETRY_SCHEDULE[0] + RETRY_SCHEDULE[1] + RETRY_SCHEDULE[2],
        RETRY_SCHEDULE[0] + RETRY_SCHEDULE[1] + RETRY_SCHEDULE[2],
    ]
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids[:4])) == 1 and ids[4] != ids[0]  # retries keep the dedupe key
    assert [p["data"]["cursor"] for p in receiver.verified] == ["1"] * 4 + ["2"]
    hook = await deliveries(api, made["webhook"]["id"])
    assert [(d["eventCursor"], d["status"], d["attempt"]) for d in hook["deliveries"]] == [
        ("2", "DELIVERED", 1), ("1", "DELIVERED", 4),
    ]
    assert hook["failingSince"] is None


async def test_a_4xx_is_not_retried_and_429_honours_retry_after(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    receiver.secret, receiver.statuses = made["secret"], [400, 429]
    receiver.headers = {"Retry-After": "120"}
    await emit(api, tenant, tree, "A1", 2)
    worker = make_worker(api, clock)
    try:
        await worker.run_once()  # event 1: 400, given up; event 2: 429
        clock.advance(timedelta(seconds=119))
        await worker.run_once()
        assert len(receiver.received) == 2
        clock.advance(timedelta(seconds=1))
        await worker.run_once()
    finally:
        await worker.stop()
    hook = await deliveries(api, made["webhook"]["id"])
    assert [(d["eventCursor"], d["status"], d["statusCode"], d["attempt"]) for d in hook["deliveries"]] == [
        ("2", "DELIVERED", 200, 2), ("1", "FAILED", 400, 1),
    ]
    assert len(receiver.received) == 3
