"""The analytics chain (tests/analytics/conftest.py) plus what segments select on: tags, attributes,
points balances and consents, all known here as plain Python for brute-force checks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import update

from db.base import new_id, utcnow
from db.models.consent import ConsentChannel, ConsentPurpose, ConsentRecord
from db.models.customers import Customer, CustomerTag
from db.models.membership import Membership
from tests.analytics.conftest import Chain, build_chain
from tests.conftest import Api, Tenant

TAGS = ["vip", "new", "newsletter"]


@dataclass
class World:
    chain: Chain
    tags: dict[int, set[str]] = field(default_factory=dict)
    attributes: dict[int, dict] = field(default_factory=dict)
    balances: dict[int, int] = field(default_factory=dict)  # membership customers only
    consent: dict[tuple[int, str, str], bool] = field(default_factory=dict)  # latest statement


async def build_world(api: Api, tenant: Tenant, seed: int) -> World:
    chain = await build_chain(api.db, tenant, seed)
    world = World(chain=chain)
    rng = random.Random(seed)
    now = utcnow()
    async with api.db.transaction(tenant_id=tenant.id) as session:
        for c in chain.customers:
            tags = {t for t in TAGS if rng.random() < 0.4}
            attrs = {k: v for k, v in {"size": rng.choice(["S", "M", "L"]), "visits": rng.choice([1, 3, 3.0, "3"]),
                                       "vip": rng.choice([True, False, 1])}.items() if rng.random() < 0.7}
            world.tags[c.id], world.attributes[c.id] = tags, attrs
            await session.execute(update(Customer).where(Customer.id == c.id).values(tags=sorted(tags), attributes=attrs))
            session.add_all(CustomerTag(tenant_id=tenant.id, id=new_id(), customer_id=c.id, tag=t) for t in tags)
            for channel in (ConsentChannel.EMAIL, ConsentChannel.SMS):
                for step in range(rng.randint(0, 3)):  # a history; the last statement counts
                    granted = rng.random() < 0.6
                    session.add(ConsentRecord(tenant_id=tenant.id, id=new_id(), customer_id=c.id, channel=channel,
                                              purpose=ConsentPurpose.MARKETING, granted=granted, source="test",
                                              at=now - timedelta(days=10 - step)))
                    world.consent[(c.id, channel.value, "MARKETING")] = granted
        for m in chain.memberships:
            balance = rng.choice([0, 50, 100, 250, 500, 501, 2000])
            world.balances[m.customer_id] = balance
            await session.execute(update(Membership).where(Membership.id == m.id).values(points_balance=balance))
    return world


@pytest.fixture
async def world(api: Api, tenant: Tenant) -> World:
    built = await build_world(api, tenant, seed=21)
    other = await api.make_tenant("other")
    await build_world(api, other, seed=22)  # never visible
    return built
