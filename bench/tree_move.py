"""Moving a subtree of 1,000 descendants: `python -m bench.tree_move [--moves N] [--nodes N]`.

On a fresh, migrated SQLite file and a fresh PostgreSQL database of its own (on the server
of CANOPY_BENCH_POSTGRES_URL, dropped afterwards; row-level security and triggers as in
production), a subtree is moved back and forth between two regions through the API
(in-process ASGI app), after ANALYZE. Prints the median and max of --moves moves per
backend, the PostgreSQL / SQLite ratio (target <= 1), and the slowest statements of one move.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, insert, make_url, select, text

import db.models  # noqa: F401
from bench.import_speed import PG_URL, _admin
from config import Settings
from db.base import new_id
from db.migrate import migrate
from db.models.tree import TierNode, path_segment
from db.session import Database
from resolvers.core.auth import issue_token
from resolvers.core.tenants import create_admin, get_or_create_tenant
from schema.relay import to_global_id
from server import create_app

MOVE = "mutation($id: ID!, $to: ID!) { moveTierNode(input: {id: $id, newParentId: $to}) { errors { code } } }"


async def _tree(database: Database, nodes: int) -> tuple[str, int, int, int]:
    async with database.transaction(all_tenants=True) as session:
        tenant, root = await get_or_create_tenant(session, slug="bench-move", currency="EUR", locale="de-DE")
        admin = await create_admin(session, tenant=tenant, root=root, email="move@bench.example",
                                   password="a long bench password 42")
        token, _ = await issue_token(session, admin, name="bench")
        tenant_id = tenant.id
        regions = []
        for code in ("R0", "R1"):
            rid = new_id()
            session.add(TierNode(tenant_id=tenant_id, id=rid, parent_id=root.id, code=code, name=code,
                                 kind="region", path=f"{root.path}{path_segment(rid)}/", depth=1))
            regions.append((rid, f"{root.path}{path_segment(rid)}/"))
    top_id = new_id()
    top = {"tenant_id": tenant_id, "id": top_id, "parent_id": regions[0][0], "code": "MOVE", "name": "moving",
           "kind": "distributor", "path": regions[0][1] + path_segment(top_id) + "/", "depth": 2}
    rows = [top]
    for i in range(nodes):
        parent = top if i < 10 else rows[1 + (i % 10)]
        nid = new_id()
        rows.append({**top, "id": nid, "parent_id": parent["id"], "code": f"MV-{i}",
                     "path": parent["path"] + path_segment(nid) + "/", "depth": parent["depth"] + 1})
    async with database.transaction(tenant_id=tenant_id) as session:
        await session.execute(insert(TierNode.__table__), rows)
    async with database.engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    return token, top_id, regions[0][0], regions[1][0]


async def _measure(url: str, moves: int, nodes: int) -> tuple[list[float], list[tuple[float, str]]]:
    database = Database(url)
    try:
        await migrate(database)
        token, top, r0, r1 = await _tree(database, nodes)
        app = create_app(Settings(database_url=url), db=database, migrate_on_start=False)
        timings: list[float] = []
        statements: Counter[str] = Counter()
        started: dict[int, float] = {}

        def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            started[id(cursor)] = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            statements[" ".join(statement.split())[:150]] += time.perf_counter() - started.pop(id(cursor), 0)

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            for i in range(moves + 1):
                to = r1 if i % 2 == 0 else r0
                if i == moves:  # one more move, its statements timed
                    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
                    event.listen(database.engine.sync_engine, "after_cursor_execute", after)
                t0 = time.perf_counter()
                body = (await client.post("/graphql", json={"query": MOVE, "variables": {
                    "id": to_global_id("TierNode", top), "to": to_global_id("TierNode", to)}})).json()
                elapsed = time.perf_counter() - t0
                assert body["data"]["moveTierNode"]["errors"] == [], body
                if 0 < i < moves:  # the first move warms caches up
                    timings.append(elapsed * 1000)
        async with database.session(all_tenants=True) as session:
            moved = await session.scalar(select(TierNode.parent_id).where(TierNode.id == top))
        assert moved in (r0, r1)
        return timings, sorted(((s * 1000, q) for q, s in statements.items()), reverse=True)[:6]
    finally:
        await database.dispose()


async def main_async(moves: int, nodes: int) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = await _measure(f"sqlite+aiosqlite:///{Path(tmp) / 'move.db'}", moves, nodes)
    own = f"canopy_bench_move_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{own}"')
    try:
        results["postgres"] = await _measure(make_url(PG_URL).set(database=own).render_as_string(False), moves, nodes)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
    medians = {k: statistics.median(t) for k, (t, _s) in results.items()}
    print(f"| backend | move of {nodes + 1} nodes, median of {moves - 1} | max |")
    print("|---|---:|---:|")
    for backend, (timings, _s) in results.items():
        print(f"| {backend} | {medians[backend]:.1f} ms | {max(timings):.1f} ms |")
    print(f"PostgreSQL / SQLite: {medians['postgres'] / medians['sqlite']:.2f} (target <= 1)")
    for backend, (_t, slowest) in results.items():
        print(f"{backend}: slowest statements of one move")
        for ms, statement in slowest:
            print(f"  {ms:7.1f} ms  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=11)
    parser.add_argument("--nodes", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main_async(args.moves, args.nodes))


if __name__ == "__main__":
    main()
