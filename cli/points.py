"""`canopy points expire`: the nightly loyalty job, safe to run from cron at any frequency."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from config import Settings
from db.base import utcnow
from db.migrate import migrate
from db.models.core import Tenant
from db.session import Database
from resolvers.membership import expiry


def register(sub: Any) -> None:
    from cli.main import run_async

    points = sub.add_parser("points", help="loyalty points").add_subparsers(dest="action", required=True)
    p = points.add_parser("expire", help="write due EXPIRE ledger rows, expire coupons, review tiers")
    p.add_argument("--now", type=_aware, help="ISO time to run as (default: now)")
    p.set_defaults(func=run_async(expire_cmd))


def _aware(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO time: {value}") from exc
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give an offset, e.g. 2026-01-01T00:00:00+00:00")
    return parsed


async def _batches(
    db: Database, tenant_id: int, step: Callable[..., Awaitable[expiry.Batch]], now: datetime,
) -> expiry.Batch:
    """Run `step` in one short transaction per batch until it reports no more."""
    total = expiry.Batch()
    after = 0
    while True:
        async with db.transaction(tenant_id=tenant_id) as session:
            batch = await step(session, now=now, after_id=after)
        total.members += batch.members
        total.points += batch.points
        total.tier_changes += batch.tier_changes
        if batch.last_id is None:
            return total
        after = batch.last_id


async def run(db: Database, now: datetime) -> dict[str, int]:
    """Expire points and coupons and review tiers in every tenant; return the totals."""
    async with db.session(all_tenants=True) as session:
        tenant_ids = (await session.scalars(select(Tenant.id).order_by(Tenant.id))).all()
    summary = {"tenants": len(tenant_ids), "members": 0, "points": 0, "coupons": 0, "tier_changes": 0}
    for tenant_id in tenant_ids:
        expired = await _batches(db, tenant_id, expiry.expire_due, now)
        async with db.transaction(tenant_id=tenant_id) as session:
            summary["coupons"] += await expiry.expire_coupons(session, now=now)
        reviewed = await _batches(db, tenant_id, expiry.review_tiers, now)
        summary["members"] += expired.members
        summary["points"] += expired.points
        summary["tier_changes"] += expired.tier_changes + reviewed.tier_changes
    return summary


async def expire_cmd(args: argparse.Namespace, settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await migrate(db)
        s = await run(db, args.now or utcnow())
    finally:
        await db.dispose()
    print(f"expired {s['points']} points of {s['members']} members, {s['coupons']} coupons; "
          f"{s['tier_changes']} tier changes; {s['tenants']} tenants")
