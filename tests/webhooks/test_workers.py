"""Several workers, a slow receiver, a worker killed mid-delivery."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from resolvers.webhooks.worker import LEASE
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, emit
from tests.webhooks.conftest import FakeClock, Receiver, create_webhook, deliveries, make_worker


async def test_two_workers_deliver_each_event_once(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = [await create_webhook(api, f"{receiver.url}/{i}") for i in range(3)]
    receiver.secret = made[0]["secret"]
    await emit(api, tenant, tree, "A1", 20, per_commit=5)
    one, two = make_worker(api, clock), make_worker(api, clock)
    try:
        for _ in range(3):
            await asyncio.gather(one.run_once(), two.run_once())
    finally:
        await one.stop()
        await two.stop()
    seen = [(r.path, r.headers["webhook-id"]) for r in receiver.received]
    assert len(seen) == 60 and len(set(seen)) == 60  # 3 webhooks x 20 events, none twice
    for i in range(3):
        cursors = [r.body for r in receiver.received if r.path == f"/hook/{i}"]
        assert len(cursors) == 20
    assert [(await deliveries(api, m["webhook"]["id"]))["cursor"] for m in made] == ["20"] * 3


async def test_a_slow_receiver_does_not_delay_other_webhooks(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    slow = await create_webhook(api, f"{receiver.url}/slow")
    fast = await create_webhook(api, f"{receiver.url}/fast")
    release = threading.Event()
    original = receiver.handle

    def handle(path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        if path.endswith("/slow"):
            release.wait(30)
        return original(path, headers, body)

    receiver.handle = handle  # type: ignore[method-assign]
    await emit(api, tenant, tree, "A1", 3)
    worker = make_worker(api, clock)
    try:
        tasks = await worker.tick()
        # the fast webhook's task ends, all three events sent, while the slow one's first request hangs
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        fast_seen = [r for r in receiver.received if r.path.endswith("/fast")]
        slow_seen = [r for r in receiver.received if r.path.endswith("/slow")]
        release.set()
        await asyncio.gather(*tasks)
    finally:
        release.set()
        await worker.stop()
    assert len(done) == 1 and len(fast_seen) == 3 and slow_seen == []
    assert (await deliveries(api, fast["webhook"]["id"]))["cursor"] == "3"
    assert (await deliveries(api, slow["webhook"]["id"]))["cursor"] == "3"


async def test_a_worker_killed_mid_delivery_leaves_nothing_undelivered(
    api: Api, tenant: Tenant, tree: Tree, receiver: Receiver, clock: FakeClock
) -> None:
    made = await create_webhook(api, receiver.url)
    receiver.secret = made["secret"]
    receiver.hold = threading.Event()
    await emit(api, tenant, tree, "A1", 3)
    dying = make_worker(api, clock)
    tasks = await dying.tick()
    await asyncio.to_thread(receiver.arrived.wait, 10)  # the first request is in flight, held
    for task in tasks:
        task.cancel()  # the process dies mid-request: no result recorded
    await asyncio.gather(*tasks, return_exceptions=True)
    await dying.client.aclose()
    receiver.hold.set()
    survivor = make_worker(api, clock)
    try:
        clock.advance(LEASE + timedelta(seconds=1))  # a lease left by a real crash runs out
        await survivor.run_once()
    finally:
        await survivor.stop()
    # the interrupted event is sent again with the same webhook-id, then the rest, in order
    assert [p["data"]["cursor"] for p in receiver.verified] == ["1", "1", "2", "3"]
    assert len({r.headers["webhook-id"] for r in receiver.received[:2]}) == 1
    assert (await deliveries(api, made["webhook"]["id"]))["cursor"] == "3"
