"""A slow subscriber is dropped with a resume cursor; the others keep receiving."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server import TextWebSocketAdapter, create_app
from tests.conftest import Api, Tenant
from tests.events.conftest import Tree, connect, emit, settings_for


async def test_slow_subscriber_is_dropped_while_a_fast_one_keeps_up(
    api: Api, tenant: Tenant, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: subscribers may queue 20 events; the socket of operation "slow" accepts
    # nothing until `reading` is set, as when a client stops reading
    reading, stuck = asyncio.Event(), asyncio.Event()
    send_json = TextWebSocketAdapter.send_json

    async def stuck_send(self: TextWebSocketAdapter, message: Any) -> None:
        if message.get("id") == "slow":
            stuck.set()
            await reading.wait()
        await send_json(self, message)

    monkeypatch.setattr(TextWebSocketAdapter, "send_json", stuck_send)
    app = create_app(settings_for(api.db, event_buffer=20), db=api.db, migrate_on_start=False)
    try:
        async with connect(app, tenant.token) as fast, connect(app, tenant.token) as slow:
            await fast.subscribe("fast", {"after": "0"})
            await slow.subscribe("slow", {"after": "0"})
            # when: 200 events commit, 5 at a time, at the pace of the fast subscriber
            received = []
            for n in range(40):
                await emit(api, tenant, tree, "A1", 5)
                received += await fast.events(5)
                if n == 0:
                    # the slow stream has taken the first batch (from the log or its queue)
                    # and is stuck sending it before the second batch commits
                    await asyncio.wait_for(stuck.wait(), 30)
            registered = [len(f.subscribers) for f in app.state.canopy.broker.feeds.values()]
            reading.set()
            # then: the slow one gets what it had taken already, then the reason
            slow_got = []
            while (msg := await slow.message())["payload"].get("data"):
                slow_got.append(msg["payload"]["data"]["events"])
            error = msg["payload"]["errors"][0]
            assert (await slow.message())["type"] == "complete"
            # and resumes from the cursor it was given, missing nothing
            resume = error["extensions"]["resumeAfter"]
            await slow.subscribe("again", {"after": resume})
            rest = await slow.events(200 - int(resume))
    finally:
        await app.state.canopy.broker.close()
    assert [int(e["cursor"]) for e in received] == list(range(1, 201))
    assert registered == [1]  # the slow subscriber and its queue were let go
    assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert error["message"] == f"subscriber too slow: resume with after={resume}"
    # (the first batch of 5 was taken off the queue before the socket stuck)
    assert [int(e["cursor"]) for e in slow_got] == [1, 2, 3, 4, 5]
    assert resume == "5"
    assert [int(e["cursor"]) for e in rest] == list(range(6, 201))
