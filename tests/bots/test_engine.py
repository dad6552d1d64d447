"""The engine on its own: context that survives restarts, stale buttons, bad input, locales."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from bots.engine import Engine
from bots.operations import fitted
from db.models.core import Role
from db.models.customers import Customer
from schema import build_schema
from schema.relay import to_global_id
from tests.bots.conftest import add_customer, add_staff, add_store, linked_chat
from tests.conftest import Api, Tenant


async def test_customer_in_context_survives_a_restart(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given
    store = await add_store(api, tenant, "DE-01")
    cid = await add_customer(api, tenant, node_id=store, name="Alice Weber", email="alice@example.com")
    chat = await linked_chat(api, engine, tenant.token)
    await chat.press(f"c:{to_global_id('Customer', cid)}")
    assert chat.last.startswith("👤 Alice Weber\nStore: Store DE-01 (DE-01)\nalice@example.com")
    # when: another engine (a restart, another process) takes the next message
    chat.engine = Engine(api.app.state.canopy)
    replies = await chat.send("/customer")
    # then
    assert replies[0].text.startswith("👤 Alice Weber")


async def test_card_names_exactly_the_sections_this_schema_lacks(api: Api, tenant: Tenant, engine: Engine) -> None:
    cid = await add_customer(api, tenant, node_id=tenant.root_id, name="Sam Sections")
    chat = await linked_chat(api, engine, tenant.token)
    card = (await chat.press(f"c:{to_global_id('Customer', cid)}"))[0].text.splitlines()
    labels = {"CardMembership": "membership", "CardValue": "lifetime value", "CardOrders": "orders",
              "CardTickets": "tickets"}
    lacking = [label for name, label in labels.items() if name in fitted(build_schema()._schema)["CustomerCard"].missing]
    if lacking:
        assert card[-1] == "Not available on this server yet: " + ", ".join(lacking)
    else:
        assert not any(line.startswith("Not available") for line in card)


async def test_stale_button_for_a_customer_moved_out_of_scope(api: Api, tenant: Tenant, engine: Engine) -> None:
    # given: a sales rep of store A looking at a customer of A
    store_a, store_b = await add_store(api, tenant, "A"), await add_store(api, tenant, "B")
    cid = await add_customer(api, tenant, node_id=store_a, name="Bob Stale")
    chat = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=store_a))
    gid = to_global_id("Customer", cid)
    await chat.press(f"c:{gid}")
    assert chat.last.startswith("👤 Bob Stale")
    # when: the customer moves to store B, then the old button and /customer are used
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await session.execute(update(Customer).values(node_id=store_b))
    stale = await chat.press(f"c:{gid}")
    # then
    assert stale[0].text.startswith("This customer is no longer available to you")
    assert "No customer in context" in (await chat.send("/customer"))[0].text


async def test_customer_of_another_store_is_never_shown(api: Api, tenant: Tenant, engine: Engine) -> None:
    store_a, store_b = await add_store(api, tenant, "A"), await add_store(api, tenant, "B")
    other = await add_customer(api, tenant, node_id=store_b, name="Carla Elsewhere")
    chat = await linked_chat(api, engine, await add_staff(api, tenant, role=Role.SALES, node_id=store_a))
    replies = await chat.press(f"c:{to_global_id('Customer', other)}")
    assert "no longer available" in replies[0].text and "Carla" not in replies[0].text


async def test_bad_input_gets_helpful_replies(api: Api, tenant: Tenant, engine: Engine) -> None:
    chat = await linked_chat(api, engine, tenant.token)
    cases = {
        "/frobnicate now": "I don't know /frobnicate. /help lists what I can do.",
        "hello there": "I only understand commands here. To look someone up, send /find <name>; /help lists everything.",
        "/cancel": "Nothing to cancel.",
        "/customer": "No customer in context. Pick one with /find <name|phone|email|ref>.",
        "/" + "x" * 5000: "I don't know /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx. /help lists what I can do.",
    }
    for text, expected in cases.items():
        assert (await chat.send(text))[0].text == expected
    for data in ("pg:999:1", "zz", "", "ok:1", "k:1:CALL", "c:not-an-id", "x:" + "9" * 60, "pg:1"):
        replies = await chat.press(data)
        assert len(replies) == 1 and "Sorry" not in replies[0].text, (data, replies)


async def test_replies_follow_the_staff_locale(api: Api, tenant: Tenant, engine: Engine) -> None:
    token = await add_staff(api, tenant, role=Role.SALES, node_id=tenant.root_id, locale="zh-CN")
    chat = await linked_chat(api, engine, token)
    assert (await chat.send("/cancel"))[0].text == "没有可取消的操作。"
    assert (await chat.send("/nope"))[0].text == "我不认识 /nope。/help 查看我能做什么。"


async def test_two_messages_of_one_chat_at_once_leave_one_consistent_state(
    api: Api, tenant: Tenant, engine: Engine,
) -> None:
    # given: two lists long enough to page
    for prefix in ("Qa", "Qb"):
        for i in range(6):
            await add_customer(api, tenant, node_id=tenant.root_id, name=f"{prefix} {i}")
    chat = await linked_chat(api, engine, tenant.token)
    # when: both searches arrive together (two webhook calls, two processes)
    first, second = await asyncio.gather(chat.send("/find qa"), chat.send("/find qb"))
    # then: whatever the interleaving, exactly one list's pager is current
    assert first[0].text == '6 customers match "qa":' and second[0].text == '6 customers match "qb":'
    assert len(first) + len(second) <= 3  # at most one "handled at the same moment" note
    pagers = [replies[0].buttons[-1][0].data for replies in (first, second)]
    outcomes = [(await chat.press(data))[0] for data in pagers]
    assert sorted(o.edit for o in outcomes) == [False, True]
    assert [o.text for o in outcomes if not o.edit] == ["That list is out of date. Run the command again."]
