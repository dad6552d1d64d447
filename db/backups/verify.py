"""What a restore proves about the restored database, beyond its checksum and row counts.

Each check returns (ok, line); the lines are what `canopy restore` prints.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import customer_stats, node_stats
from db.models.core import Event, Tenant
from db.models.membership import Membership, PointsEntry, PointsLot
from db.session import Database

Check = tuple[bool, str]


def row_counts(expected: dict[str, int], found: dict[str, int]) -> Check:
    wrong = [f"{t}: {expected.get(t)} in the backup, {found.get(t)} restored"
             for t in sorted(expected.keys() | found.keys()) if expected.get(t) != found.get(t)]
    if wrong:
        return False, f"row counts differ in {len(wrong)} tables: " + "; ".join(wrong[:5])
    return True, f"row counts: {len(found)} tables, {sum(found.values())} rows, as in the manifest"


async def points_ledger(session: AsyncSession) -> Check:
    """Every balance equals the sum of its ledger deltas and of its lots' remaining points."""
    ledger = select(PointsEntry.tenant_id, PointsEntry.membership_id, func.sum(PointsEntry.delta).label("s")
                    ).group_by(PointsEntry.tenant_id, PointsEntry.membership_id).subquery()
    lots = select(PointsLot.tenant_id, PointsLot.membership_id, func.sum(PointsLot.remaining).label("s")
                  ).group_by(PointsLot.tenant_id, PointsLot.membership_id).subquery()
    rows = (await session.execute(
        select(Membership.tenant_id, Membership.id, Membership.points_balance,
               func.coalesce(ledger.c.s, 0), func.coalesce(lots.c.s, 0))
        .outerjoin(ledger, (ledger.c.tenant_id == Membership.tenant_id) & (ledger.c.membership_id == Membership.id))
        .outerjoin(lots, (lots.c.tenant_id == Membership.tenant_id) & (lots.c.membership_id == Membership.id))
    )).all()
    wrong = [r for r in rows if not (r[2] == int(r[3]) == int(r[4]))]
    if wrong:
        shown = "; ".join(f"tenant {t} membership {m}: balance {b}, ledger {s}, lots {lo}"
                          for t, m, b, s, lo in wrong[:5])
        return False, f"points ledger: {len(wrong)} of {len(rows)} balances differ: {shown}"
    return True, f"points ledger: {len(rows)} balances equal their ledger sums and lots"


async def node_counters(session: AsyncSession) -> Check:
    stored, scanned, differed = await node_stats.differences(session)
    if differed:
        zero = (0,) * len(node_stats.COLUMNS)
        shown = "; ".join(f"tenant {t} node {n}: {stored.get((t, n), zero)} stored, "
                          f"{scanned.get((t, n), zero)} scanned" for t, n in differed[:5])
        return False, f"node counters: {len(differed)} nodes differ from the row scan: {shown}"
    return True, f"node counters: {len(scanned)} nodes equal the row scan ({', '.join(node_stats.COLUMNS)})"


async def customer_rollup(session: AsyncSession) -> Check:
    stored, scanned, differed = await customer_stats.differences(session)
    if differed:
        shown = "; ".join(f"tenant {t} customer {c}: {stored.get((t, c))} stored, {scanned.get((t, c))} scanned"
                          for t, c in differed[:5])
        return False, f"order rollup: {len(differed)} customers differ from the order scan: {shown}"
    return True, f"order rollup: {len(scanned)} customers equal the order scan ({', '.join(customer_stats.COLUMNS)})"


async def event_log(session: AsyncSession) -> Check:
    """Per tenant the kept events are seq min..max without a gap, and max is the tenant's counter.

    Pruning drops the oldest events only, so a gap or a missing tail means lost rows.
    """
    spans = dict((r[0], r[1:]) for r in (await session.execute(
        select(Event.tenant_id, func.min(Event.seq), func.max(Event.seq), func.count())
        .group_by(Event.tenant_id))).all())
    counters = dict((await session.execute(select(Tenant.id, Tenant.event_seq))).all())
    wrong = []
    for tenant_id, last in sorted(counters.items()):
        if tenant_id not in spans:
            continue  # none kept (all pruned, or none yet)
        low, high, count = spans[tenant_id]
        if count != high - low + 1:
            wrong.append(f"tenant {tenant_id}: {count} events in seq {low}..{high} ({high - low + 1 - count} missing)")
        elif high != last:
            wrong.append(f"tenant {tenant_id}: last event {high}, the tenant's counter {last}")
    wrong += [f"tenant {t}: events of a tenant that does not exist" for t in spans if t not in counters]
    if wrong:
        return False, "event log: " + "; ".join(wrong[:5])
    total = sum(s[2] for s in spans.values())
    return True, f"event log: {total} events of {len(counters)} tenants, contiguous per tenant"


async def invariants(db: Database) -> list[Check]:
    async with db.session(all_tenants=True) as session:
        return [await points_ledger(session), await node_counters(session), await customer_rollup(session),
                await event_log(session)]
