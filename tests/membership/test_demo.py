"""The demo seeder enrols a share of the customers with histories that keep the invariants."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from cli import demo, demo_membership
from db.models.core import Tenant as TenantRow
from db.models.membership import Coupon, Membership, MembershipProgram, MembershipTier, PointsEntry
from db.models.tree import TierNode
from tests.conftest import Api, Tenant
from tests.membership.conftest import add_customers, assert_ledger_consistent


async def test_demo_seeder(api: Api, tenant: Tenant) -> None:
    # given: the demo tree with 20 customers per store
    async with api.db.session(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
        tenant_row = await session.get(TenantRow, tenant.id)
    stores = await demo._build_tree(api.db, tenant.id, root)
    for store in stores:
        await add_customers(api, tenant.id, store, 20)
    # when
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await demo_membership.seed(session, tenant_row, stores, random.Random(7))
    # then
    async with api.db.session(tenant_id=tenant.id) as session:
        per_program = dict((await session.execute(
            select(MembershipProgram.name, func.count()).join(Membership, Membership.program_id == MembershipProgram.id)
            .group_by(MembershipProgram.name)
        )).all())
        tiers = set((await session.scalars(
            select(MembershipTier.name).join(Membership, Membership.tier_id == MembershipTier.id)
        )).all())
        reasons = set((await session.scalars(select(PointsEntry.reason).distinct())).all())
        coupons = await session.scalar(select(func.count()).select_from(Coupon))
    members = sum(per_program.values())
    assert members == int(len(stores) * 20 * demo_membership.SHARE)
    assert set(per_program) == {"Canopy Rewards", "Canopy Club Asia-Pacific"}
    assert len(tiers) >= 3
    assert {r.value for r in reasons} == {"EARN", "REDEEM", "ADJUST", "EXPIRE"}
    assert coupons > 0
    await assert_ledger_consistent(api, tenant.id)
