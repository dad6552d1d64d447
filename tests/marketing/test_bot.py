"""Chat: /campaigns lists the running campaigns with their results; the card names campaigns received."""

from __future__ import annotations

from db.models.core import Role
from db.models.marketing import CampaignRecipient, DeliveryState
from resolvers.marketing.worker import CampaignWorker
from schema.relay import to_global_id
from tests.bots.conftest import engine, linked_chat  # noqa: F401 - the engine fixture
from tests.conftest import Api, Tenant
from tests.marketing.smtp import smtp_server
from tests.marketing.test_campaigns import _launch, _seed, _settings

RESULTS = "query($id: ID!) { node(id: $id) { ... on Campaign { results { audience couponsIssued } } } }"


async def test_campaigns_command_and_the_card_line(api: Api, tenant: Tenant, engine) -> None:  # noqa: F811
    # given a launched, delivered campaign and a manager of the root in a chat
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    with smtp_server() as (_, port):
        await CampaignWorker(api.db, _settings(api, port)).run_once()
    manager = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=tenant.root_id)
    chat = await linked_chat(api, engine, manager)
    results = (await api.ok(RESULTS, {"id": gid}))["node"]["results"]
    async with api.db.session(tenant_id=tenant.id) as session:
        from sqlalchemy import select

        reached = (await session.scalars(select(CampaignRecipient.customer_id).where(
            CampaignRecipient.coupon_state == DeliveryState.SENT))).first()
        untouched = (await session.scalars(select(CampaignRecipient.customer_id).where(
            CampaignRecipient.coupon_state == DeliveryState.NONE))).first()
    # when
    listing = (await chat.send("/campaigns"))[0].text
    card = (await chat.press(f"c:{to_global_id('Customer', reached)}"))[0].text
    other = (await chat.press(f"c:{to_global_id('Customer', untouched)}"))[0].text
    # then
    lines = listing.splitlines()
    assert lines[0] == "Running campaigns: 1" and lines[1].startswith("📣 Spring · until ")
    assert lines[2].startswith(f"  {results['audience']} customers · converted 0 % (holdout 0 %)")
    assert lines[2].endswith(f"coupons redeemed 0/{results['couponsIssued']}")
    assert "Campaigns: Spring" in card.splitlines()
    assert not any(line.startswith("Campaigns:") for line in other.splitlines())
    assert "/campaigns" in (await chat.send("/help"))[0].text
