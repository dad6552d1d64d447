"""Campaigns: launch snapshots and splits; two workers issue exactly one coupon and one email per
treatment customer (consent respected, holdout untouched); a worker stopped mid-run then resumed
leaves no duplicates and no gaps; quiet hours postpone emails; failed sends retry."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from db.base import new_id, utcnow
from db.models.consent import ConsentChannel, ConsentPurpose, ConsentRecord
from db.models.core import Event, Role
from db.models.customers import Customer, CustomerTag
from db.models.marketing import CampaignRecipient, DeliveryState, Group
from db.models.membership import Coupon, Membership, MembershipProgram, MembershipTier
from db.session import Database
from resolvers.marketing.campaigns import in_holdout
from resolvers.marketing.worker import LEASE, CampaignWorker, quiet_until
from schema.relay import decode_id, to_global_id
from tests.conftest import Api, Tenant
from tests.marketing.smtp import Inbox, smtp_server
from tests.tree.factories import create_node

SEGMENT = """mutation($node: ID!) { createSegment(input: {name: "target", nodeId: $node, rule: {tags: ["target"]}}) {
  segment { id size } errors { field code message } } }"""
CREATE = """mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
  campaign { id status holdoutPercent } errors { field code message } } }"""
LAUNCH = "mutation($id: ID!) { launchCampaign(input: {id: $id}) { campaign { id status launchedAt } errors { field code } } }"
TEMPLATES = [
    {"locale": "en", "subject": "{{ customer.name }}, {{ coupon.value }} off",
     "body": "<p>Hello {{ customer.name }}: code {{ coupon.code }}, valid until {{ coupon.expires }}</p>"},
    {"locale": "de", "subject": "{{ customer.name }}, {{ coupon.value }} Rabatt",
     "body": "<p>Hallo {{ customer.name }}: Code {{ coupon.code }}, gültig bis {{ coupon.expires }}</p>"},
]
N = 40


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


async def _seed(api: Api, tenant: Tenant) -> dict[str, Any]:
    """A store (Berlin time) with N tagged customers, most members, most with email consent; 5 untagged."""
    store_gid = await create_node(api, tenant.root_id, "S1", timezone="Europe/Berlin", currency="EUR")
    store = decode_id(store_gid, "TierNode")
    info: dict[str, Any] = {"store": store, "store_gid": store_gid, "consent": set(), "members": set(), "ids": []}
    async with api.db.transaction(tenant_id=tenant.id) as session:
        program = MembershipProgram(tenant_id=tenant.id, id=new_id(), name="Club", currency="EUR",
                                    points_per_unit=Decimal(1))
        session.add(program)
        await session.flush()
        tier = MembershipTier(tenant_id=tenant.id, id=new_id(), program_id=program.id, name="Base", rank=0, threshold=0)
        session.add(tier)
        await session.flush()
        for i in range(N + 5):
            c = Customer(tenant_id=tenant.id, id=new_id(), node_id=store, name=f"Kunde {i}", email=f"c{i}@example.com",
                         locale="de-DE" if i % 2 else "en", tags=["target"] if i < N else [], attributes={})
            session.add(c)
            await session.flush()
            if i < N:
                info["ids"].append(c.id)
                session.add(CustomerTag(tenant_id=tenant.id, id=new_id(), customer_id=c.id, tag="target"))
            if i % 7 != 3:
                session.add(Membership(tenant_id=tenant.id, id=new_id(), program_id=program.id, customer_id=c.id,
                                       tier_id=tier.id))
                info["members"].add(c.id)
            if i % 5 != 2:
                session.add(ConsentRecord(tenant_id=tenant.id, id=new_id(), customer_id=c.id, channel=ConsentChannel.EMAIL,
                                          purpose=ConsentPurpose.MARKETING, granted=True, source="test"))
                info["consent"].add(c.id)
        await session.flush()
    return info


async def _launch(api: Api, info: dict[str, Any], **overrides: Any) -> str:
    segment = (await api.ok(SEGMENT, {"node": info["store_gid"]}))["createSegment"]
    assert segment["errors"] == [] and segment["segment"]["size"] == N
    now = utcnow()
    data = {"name": "Spring", "segmentId": segment["segment"]["id"], "holdoutPercent": 25,
            "action": {"coupon": {"amountOff": "5", "validDays": 14}, "email": {"templates": TEMPLATES}},
            "startsAt": (now - timedelta(minutes=1)).isoformat(), "endsAt": (now + timedelta(days=7)).isoformat(),
            "quietHoursStart": 0, "quietHoursEnd": 0, **overrides}
    created = (await api.ok(CREATE, {"input": data}))["createCampaign"]
    assert created["errors"] == [], created
    cid = created["campaign"]["id"]
    launched = (await api.ok(LAUNCH, {"id": cid}))["launchCampaign"]
    assert launched["errors"] == [] and launched["campaign"]["status"] == "LAUNCHED"
    return cid


def _settings(api: Api, port: int) -> Any:
    return dataclasses.replace(api.app.state.canopy.settings, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_starttls=False, smtp_from="shop@canopy.example")


async def _state(api: Api, tenant: Tenant, campaign_pk: int) -> dict[str, Any]:
    async with api.db.session(tenant_id=tenant.id) as session:
        recipients = (await session.scalars(select(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign_pk))).all()
        coupons = Counter((await session.scalars(select(Coupon.customer_id))).all())
        events = Counter((await session.scalars(select(Event.type))).all())
    return {"recipients": {r.customer_id: r for r in recipients}, "coupons": coupons, "events": events}


def _check_delivered(state: dict[str, Any], info: dict[str, Any], inbox: Inbox, campaign_pk: int, seed: str) -> None:
    recipients = state["recipients"]
    assert sorted(recipients) == sorted(info["ids"])  # the snapshot is the segment
    treatment = {c for c, r in recipients.items() if r.group is Group.TREATMENT}
    for cid, r in recipients.items():  # the split is the documented hash
        assert (r.group is Group.HOLDOUT) == in_holdout(seed, campaign_pk, cid, 25)
    assert 0 < len(treatment) < N
    # exactly one coupon per treatment member, none to anyone else
    assert dict(state["coupons"]) == {c: 1 for c in treatment & info["members"]}
    # exactly one email per treatment customer with consent, none to anyone else
    emailed = {int(m["To"][1:].split("@")[0]) for m in inbox.messages}
    index = {cid: i for i, cid in enumerate(info["ids"])}
    assert Counter(m["To"] for m in inbox.messages) == Counter(f"c{index[c]}@example.com" for c in treatment & info["consent"])
    assert emailed == {index[c] for c in treatment & info["consent"]}
    for cid, r in recipients.items():
        assert r.done
        if r.group is Group.HOLDOUT:
            assert (r.coupon_state, r.email_state) == (DeliveryState.NONE, DeliveryState.NONE)
        else:
            assert r.coupon_state is (DeliveryState.SENT if cid in info["members"] else DeliveryState.SKIPPED)
            assert r.email_state is (DeliveryState.SENT if cid in info["consent"] else DeliveryState.SKIPPED)
            if cid not in info["consent"]:
                assert r.reason == "no email consent (EMAIL, MARKETING)"
    assert state["events"]["CAMPAIGN_LAUNCHED"] == 1
    assert state["events"]["COUPON_ISSUED"] == len(treatment & info["members"])
    assert state["events"]["MESSAGE_SENT"] == len(treatment & info["consent"])


async def _seed_of(api: Api, tenant: Tenant, campaign_pk: int) -> str:
    from db.models.marketing import Campaign

    async with api.db.session(tenant_id=tenant.id) as session:
        campaign = await session.get(Campaign, (tenant.id, campaign_pk))
        assert campaign is not None
        return campaign.seed


async def test_two_workers_deliver_exactly_once(api: Api, tenant: Tenant, smtp: tuple[Inbox, int]) -> None:
    # given a launched campaign and two worker processes (each its own engine)
    inbox, port = smtp
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    pk = decode_id(gid, "Campaign")
    again = (await api.ok(LAUNCH, {"id": gid}))["launchCampaign"]
    dbs = [Database(api.db.url), Database(api.db.url)]
    try:
        workers = [CampaignWorker(db, _settings(api, port), name=f"w{i}") for i, db in enumerate(dbs)]
        # when
        handled = await asyncio.gather(*(w.run_once() for w in workers))
    finally:
        for db in dbs:
            await db.dispose()
    # then
    assert again["errors"] == [{"field": ["id"], "code": "CONFLICT"}]
    state = _state(api, tenant, pk)
    _check_delivered(await state, info, inbox, pk, await _seed_of(api, tenant, pk))
    assert sum(handled) == sum(1 for r in (await _state(api, tenant, pk))["recipients"].values()
                               if r.group is Group.TREATMENT)
    # a German-speaking member (odd index; every 7th from 3 is no member, so has no coupon)
    german = next(m for m in inbox.messages if (i := int(m["To"][1:].split("@")[0])) % 2 and i % 7 != 3)
    html = german.get_payload()[1].get_payload(decode=True).decode()
    assert german["Subject"].endswith("5,00\xa0€ Rabatt") and "Hallo Kunde" in html and "gültig bis" in html
    status = await api.ok("query($id: ID!) { node(id: $id) { ... on Campaign { status } } }", {"id": gid})
    assert status["node"]["status"] == "COMPLETED"


async def test_a_worker_stopped_mid_run_is_resumed_without_duplicates_or_gaps(
    api: Api, tenant: Tenant, smtp: tuple[Inbox, int]
) -> None:
    # given a worker that "crashes" after 7 recipients, holding the rest of its claim
    inbox, port = smtp
    info = await _seed(api, tenant)
    pk = decode_id(await _launch(api, info), "Campaign")
    first = CampaignWorker(api.db, _settings(api, port), name="crashing", max_recipients=7)
    assert await first.run_once() == 7
    middle = await _state(api, tenant, pk)
    # when another process resumes before the lease ends (nothing to take), then after it
    early = CampaignWorker(api.db, _settings(api, port), name="early")
    await early.run_once()
    later = utcnow() + LEASE + timedelta(seconds=5)
    resumed = CampaignWorker(api.db, _settings(api, port), name="resumed", clock=lambda: later)
    await resumed.run_once()
    # then
    assert sum(middle["coupons"].values()) <= 7
    assert early.processed == 0  # the crashed worker's claim still stands: nobody else touches it
    _check_delivered(await _state(api, tenant, pk), info, inbox, pk, await _seed_of(api, tenant, pk))


async def test_quiet_hours_postpone_the_email_not_the_coupon(api: Api, tenant: Tenant, smtp: tuple[Inbox, int]) -> None:
    # given quiet hours 21-8 in Berlin and a clock at 23:30 Berlin time (22:30 UTC in winter)
    inbox, port = smtp
    info = await _seed(api, tenant)
    pk = decode_id(await _launch(api, info, quietHoursStart=21, quietHoursEnd=8), "Campaign")
    night = datetime.now(UTC).replace(hour=22, minute=30, second=0, microsecond=0)
    if night.month in (4, 5, 6, 7, 8, 9):  # summer time: 23:30 Berlin is 21:30 UTC
        night = night.replace(hour=21)
    if night < utcnow() - timedelta(minutes=1):
        night += timedelta(days=1)
    # when
    await CampaignWorker(api.db, _settings(api, port), clock=lambda: night).run_once()
    # then: coupons issued, emails waiting until 08:00 Berlin
    state = await _state(api, tenant, pk)
    waiting = [r for r in state["recipients"].values() if r.email_state is DeliveryState.PENDING]
    assert inbox.messages == [] and waiting and sum(state["coupons"].values()) > 0
    assert {r.next_attempt_at.astimezone(quiet_tz()).hour for r in waiting} == {8}
    assert quiet_until(night, "Europe/Berlin", 21, 8) == waiting[0].next_attempt_at
    assert quiet_until(night, "Europe/Berlin", 0, 0) is None


def quiet_tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


async def test_a_failed_send_is_retried_then_sent_once(api: Api, tenant: Tenant, smtp: tuple[Inbox, int]) -> None:
    # given an SMTP server that refuses the first attempt of every message
    inbox, port = smtp
    info = await _seed(api, tenant)
    pk = decode_id(await _launch(api, info), "Campaign")
    from resolvers.marketing import messages

    tried: set[str] = set()

    async def flaky(settings: Any, *, to: str, **kw: Any) -> None:
        if to not in tried:
            tried.add(to)
            raise ConnectionError("try later")
        await messages.send(settings, to=to, **kw)

    await CampaignWorker(api.db, _settings(api, port), send=flaky).run_once()
    state = await _state(api, tenant, pk)
    failed_once = [r for r in state["recipients"].values() if r.email_state is DeliveryState.PENDING]
    assert failed_once and all(r.attempts == 1 and "try later" in (r.reason or "") for r in failed_once)
    # when the retry is due
    later = utcnow() + timedelta(minutes=2)
    await CampaignWorker(api.db, _settings(api, port), send=flaky, clock=lambda: later).run_once()
    # then
    _check_delivered(await _state(api, tenant, pk), info, inbox, pk, await _seed_of(api, tenant, pk))


@pytest.mark.parametrize("change, field", [
    ({"holdoutPercent": 95}, ["holdoutPercent"]),
    ({"action": {}}, ["coupon"]),
    ({"action": {"coupon": {"amountOff": "5", "percentOff": "10"}}}, ["coupon", "amountOff"]),
    ({"action": {"email": {"templates": [{"locale": "en", "subject": "{{ x", "body": "b"}]}}},
     ["email", "templates", "0", "subject"]),
    ({"action": {"email": {"templates": [{"locale": "en", "subject": "s", "body": "b"}], "defaultLocale": "fr"}}},
     ["email", "defaultLocale"]),
    ({"quietHoursStart": 24}, ["quietHoursStart"]),
])
async def test_bad_campaigns_are_field_errors(api: Api, tenant: Tenant, change: dict[str, Any], field: list[str]) -> None:
    segment = (await api.ok(SEGMENT, {"node": to_global_id("TierNode", tenant.root_id)}))["createSegment"]["segment"]
    now = utcnow()
    data = {"name": "x", "segmentId": segment["id"], "action": {"coupon": {"percentOff": "10"}},
            "startsAt": now.isoformat(), "endsAt": (now + timedelta(days=1)).isoformat(), **change}
    errors = (await api.ok(CREATE, {"input": data}))["createCampaign"]["errors"]
    assert errors and errors[0]["field"] == field, errors
    async with api.db.session(tenant_id=tenant.id) as session:
        from db.models.marketing import Campaign

        assert await session.scalar(select(func.count()).select_from(Campaign)) == 0


async def test_a_segment_in_use_is_not_deleted(api: Api, tenant: Tenant) -> None:
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    segment = (await api.ok("query($id: ID!) { node(id: $id) { ... on Campaign { segment { id } } } }",
                            {"id": gid}))["node"]["segment"]["id"]
    deleted = await api.ok("mutation($id: ID!) { deleteSegment(input: {id: $id}) { deletedId errors { field code } } }",
                           {"id": segment})
    assert deleted["deleteSegment"] == {"deletedId": None, "errors": [{"field": ["id"], "code": "CONFLICT"}]}


CANCEL = "mutation($id: ID!) { cancelCampaign(input: {id: $id}) { campaign { id status } errors { field code } } }"


async def test_a_cancelled_campaign_stops_where_it_is(api: Api, tenant: Tenant, smtp: tuple[Inbox, int]) -> None:
    # given a launched campaign, 7 recipients handled, and a worker holding a claim it has not finished
    inbox, port = smtp
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    pk = decode_id(gid, "Campaign")
    assert await CampaignWorker(api.db, _settings(api, port), name="first", max_recipients=7).run_once() == 7
    before = await _state(api, tenant, pk)
    # when it is cancelled, then every worker runs (after the crashed one's lease too)
    cancelled = (await api.ok(CANCEL, {"id": gid}))["cancelCampaign"]
    later = utcnow() + LEASE + timedelta(seconds=5)
    handled = await CampaignWorker(api.db, _settings(api, port), name="after", clock=lambda: later).run_once()
    again = (await api.ok(CANCEL, {"id": gid}))["cancelCampaign"]
    relaunch = (await api.ok(LAUNCH, {"id": gid}))["launchCampaign"]
    after = await _state(api, tenant, pk)
    # then nothing more is issued or sent; what was done stays; the rest is skipped with the reason
    assert cancelled == {"campaign": {"id": gid, "status": "CANCELLED"}, "errors": []}
    assert handled == 0
    assert after["coupons"] == before["coupons"] and len(inbox.messages) == before["events"]["MESSAGE_SENT"]
    assert again["errors"] == [{"field": ["id"], "code": "CONFLICT"}]
    assert relaunch["errors"] == [{"field": ["id"], "code": "CONFLICT"}]
    untouched = [r for c, r in after["recipients"].items() if not before["recipients"][c].done]
    assert untouched and all(r.done and r.reason == "campaign cancelled" and r.lease_owner is None for r in untouched)
    assert all(DeliveryState.PENDING not in (r.coupon_state, r.email_state) for r in after["recipients"].values())
    assert after["events"]["CAMPAIGN_CANCELLED"] == 1
    results = await api.ok("query($id: ID!) { node(id: $id) { ... on Campaign { status results { audience } } } }",
                           {"id": gid})
    assert results["node"] == {"status": "CANCELLED", "results": {"audience": N}}


async def test_only_campaign_writers_in_scope_cancel(api: Api, tenant: Tenant) -> None:
    # given a launched campaign in a store, and staff without the right or outside its subtree
    info = await _seed(api, tenant)
    gid = await _launch(api, info)
    other = decode_id(await create_node(api, tenant.root_id, "S2"), "TierNode")
    support = await api.make_staff(tenant, role=Role.SUPPORT, scope_node_id=info["store"])
    outsider = await api.make_staff(tenant, role=Role.MANAGER, scope_node_id=other)
    # when they (and the admin, with an unknown id) cancel
    denied = (await api.ok(CANCEL, {"id": gid}, token=support))["cancelCampaign"]
    hidden = (await api.ok(CANCEL, {"id": gid}, token=outsider))["cancelCampaign"]
    missing = (await api.ok(CANCEL, {"id": to_global_id("Campaign", 1)}))["cancelCampaign"]
    status = await api.ok("query($id: ID!) { node(id: $id) { ... on Campaign { status } } }", {"id": gid})
    # then the out-of-scope one answers as a missing id, and nothing changed
    assert denied["campaign"] is None and denied["errors"][0]["code"] == "FORBIDDEN"
    assert hidden == missing == {"campaign": None, "errors": [{"field": ["id"], "code": "NOT_FOUND"}]}
    assert status["node"]["status"] == "LAUNCHED"


@pytest.mark.parametrize("bad", ["", "zzz", "Q2FtcGFpZ246", "Q2FtcGFpZ246LTE=", to_global_id("Customer", 1),
                                 to_global_id("Campaign", 2**80), "x" * 10_000, "Q2Ft\x00cGFpZ24="])
async def test_cancel_with_a_bad_id_is_a_typed_error(api: Api, tenant: Tenant, bad: str) -> None:
    body = await api.post(CANCEL, {"id": bad})
    payload = (body.get("data") or {}).get("cancelCampaign")
    codes = [e["code"] for e in payload["errors"]] if payload else \
        [e["extensions"]["code"] for e in body["errors"]]
    assert codes and "INTERNAL" not in codes, body
    assert set(codes) <= {"NOT_FOUND", "INVALID", "BAD_USER_INPUT"}, body
