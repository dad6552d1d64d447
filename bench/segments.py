"""Segment counts: `python -m bench.segments --scale M --db postgres [--repeat 5]`.

Generates the bench data set (bench/generate.py) in its own database, saves two segments at
the root and times `Segment.size` as the service computes it (resolvers/marketing/segments.py,
one COUNT statement each; no customer is loaded into Python):
- `no tag x`, `ltv <= 10^6`, `recent or many` (a last order in 10 years or at most 2 orders in it):
  every customer of the scale, 10^5 at M, the issue's figure (limit: under 1 s on PostgreSQL at
  scale M), through a tag anti-join, the per-customer order rollup, and an OR of both kinds;
- `at risk`: RFM AT_RISK or CANNOT_LOSE with a lifetime value over 500 EUR (a selective rule,
  the RFM window over the whole population).
`--reuse` counts on the data set a previous run generated (generating M takes ~30 min here),
migrated to the current schema first; `--database NAME` keeps a data set apart from others'.
Prints p50 and max over --repeat runs after one warm-up; writes bench/results/segments-<scale>-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.generate import SCALES, generate
from bench.run import PG_BASE, RESULTS
from db.migrate import migrate
from db.models.core import Staff, Tenant
from db.models.tree import TierNode
from db.session import Database
from db.uow import unit_of_work
from resolvers.core.auth import viewer_of
from resolvers.marketing import segments

# As the schema layer hands rules to the service (rules.normalise): snake_case inputs.
RULES = {
    "no tag x": {"not": {"tags": ["x"]}},
    "ltv <= 10^6": {"lifetimeValue": {"max": "1000000"}},
    "recent or many": {"or": [{"lastOrderWithinDays": 3650}, {"orderCount": {"max": 2, "within_days": 3650}}]},
    "at risk": {"and": [{"rfm": ["AT_RISK", "CANNOT_LOSE"]}, {"lifetimeValue": {"min": "500"}}]},
}


async def _database(kind: str, scale: str, reuse: bool, name: str | None = None) -> Database:
    name = name or f"canopy_bench_segments_{scale.lower()}"
    if reuse:
        if kind == "sqlite":
            from bench.run import sqlite_url

            return Database(await asyncio.to_thread(sqlite_url, f"segments-{scale}", RESULTS, fresh=False))
        return Database(f"{PG_BASE}/{name}")
    if kind == "sqlite":
        from bench.run import sqlite_url

        return Database(await asyncio.to_thread(sqlite_url, f"segments-{scale}", RESULTS))
    admin = create_async_engine(f"{PG_BASE}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return Database(f"{PG_BASE}/{name}")


async def run(scale: str, kind: str, repeat: int, reuse: bool = False, database: str | None = None,
              ) -> dict[str, object]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = await _database(kind, scale, reuse, database)
    if reuse:
        await migrate(db)  # a data set generated before a migration (0014 backfills the order rollup)
    started = time.perf_counter()
    out: dict[str, object] = {"scale": scale, "db": kind, "customers": SCALES[scale].customers}
    if reuse:
        async with db.session(all_tenants=True) as session:
            tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == "bench"))
            root_id = await session.scalar(select(TierNode.id).where(TierNode.tenant_id == tenant_id,
                                                                      TierNode.parent_id.is_(None)))
        assert tenant_id is not None and root_id is not None
    else:
        gen = await generate(db, SCALES[scale])
        tenant_id, root_id = gen.tenant_id, gen.root_id
        out["generate_s"] = round(time.perf_counter() - started, 1)
    async with db.session(tenant_id=tenant_id) as session:
        admin = await session.scalar(select(Staff).where(Staff.tenant_id == tenant_id))
        root = await session.get(TierNode, (tenant_id, root_id))
        assert admin is not None and root is not None
        viewer = viewer_of(admin, root.path)
    ids = {}
    for name, rule in RULES.items():
        async with db.session(tenant_id=tenant_id) as session:
            async with unit_of_work(session, operation="createSegment", actor_id=admin.id):
                seg = await segments.create_segment(session, viewer, name=name, node_id=root_id, rule=rule)
                ids[name] = seg.id
    for name, sid in ids.items():
        times, size = [], None
        for i in range(repeat + 1):
            async with db.session(tenant_id=tenant_id) as session:
                t0 = time.perf_counter()
                size = (await segments.segment_sizes(session, viewer, [sid]))[0]
                elapsed = time.perf_counter() - t0
            if i:  # the first run warms caches
                times.append(elapsed)
        out[name] = {"size": size, "p50_ms": round(statistics.median(times) * 1000, 1),
                     "max_ms": round(max(times) * 1000, 1)}
        print(f"{scale} {kind} {name:>14}: size {size}, count p50 {out[name]['p50_ms']} ms, "  # type: ignore[index]
              f"max {out[name]['max_ms']} ms (limit 1000 ms for 10^5 at M on PostgreSQL)")  # type: ignore[index]
    await db.dispose()
    (RESULTS / f"segments-{scale}-{kind}.json").write_text(json.dumps(out, indent=2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="S")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="the data set of the previous run (no generation)")
    parser.add_argument("--database", help="PostgreSQL database name (default canopy_bench_segments_<scale>)")
    args = parser.parse_args()
    asyncio.run(run(args.scale, args.db, args.repeat, args.reuse, args.database))


if __name__ == "__main__":
    main()
