"""CPU of the read path, in process: `python -m bench.readpath --scale tiny`.

On a loaded machine wall time says little; this runs through the ASGI app (httpx's ASGI
transport, app started) and reports CPU ms (time.process_time) per operation, median of
`--repeat` rounds of `--n` operations each:
- the bench's page of 100 customers (bench/limits.py) and the same rows by raw SQL + json
  (their ratio is bench.run's "GraphQL overhead" row without HTTP and the client's cost);
- the bot's FindCard (bots/operations/find_card.graphql) by phone, as a SALES member;
- the peer rows (bench/peers.py): the page by `schema.execute` without HTTP, beside bare
  strawberry and bare graphql-core over the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx

from bench import limits, peers
from bench.generate import SCALES, generate
from db.session import Database


async def cpu_ms(fn: Callable[[], Awaitable[object]], n: int, repeat: int) -> float:
    await fn()
    rounds = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(n):
            await fn()
        rounds.append((time.process_time() - start) * 1000 / n)
    return statistics.median(rounds)


async def profiled(fn: Callable[[], Awaitable[object]], n: int) -> None:
    """cProfile of `n` runs of `fn`, the 30 costliest functions by own time."""
    import cProfile
    import pstats

    await fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        await fn()
    prof.disable()
    pstats.Stats(prof).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(int(os.environ.get("BENCH_PROFILE_ROWS", "30")))


@asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    """The URL of a new, empty database of this backend, removed afterwards (never an existing one)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'readpath.db'}"
        return
    from sqlalchemy import make_url

    from bench.import_speed import PG_URL, _admin

    own = f"canopy_bench_readpath_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{own}"')
    try:
        yield make_url(PG_URL).set(database=own).render_as_string(False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


async def main_async(scale: str, n: int, repeat: int, profile: str | None = None, kind: str = "sqlite") -> None:
    from config import Settings
    from server import create_app

    async with fresh_database(kind) as url:
        db = Database(url)
        gen = await generate(db, SCALES[scale])
        token, phones = await limits.lookup_fixture(SimpleNamespace(url=url), gen)
        app = create_app(dataclasses.replace(Settings.from_env(), database_url=url))
        page_query, find_card = limits.page_query(), limits.combined_query()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                async def page() -> None:
                    body = (await client.post("/graphql", json={"query": page_query, "variables": {"first": 100}},
                                              headers={"Authorization": f"Bearer {gen.admin_token}"})).json()
                    assert not body.get("errors") and len(body["data"]["customers"]["edges"]) == 100, body

                async def raw() -> None:
                    await limits.page_raw(db, gen.tenant_id, 100)

                turn = iter(range(10**9))

                async def lookup() -> None:
                    phone = phones[next(turn) % len(phones)]
                    body = (await client.post("/graphql", json={"query": find_card, "variables": {"search": phone}},
                                              headers={"Authorization": f"Bearer {token}"})).json()
                    assert not body.get("errors") and body["data"]["customers"]["edges"], body

                if profile:
                    await profiled(page if profile == "page" else lookup, n)
                    return
                page_ms = await cpu_ms(page, n, repeat)
                raw_ms = await cpu_ms(raw, n, repeat)
                lookup_ms = await cpu_ms(lookup, n * 4, repeat)
                peer_figures: dict[str, object] = {}
                await peers.bench_peers(db, gen.tenant_id, gen.admin_token, peer_figures)
        await db.dispose()
    print(f"page of 100: {page_ms:.1f} CPU ms; raw SQL + json: {raw_ms:.1f} CPU ms; "
          f"ratio {page_ms / raw_ms:.2f}x")
    print(f"FindCard: {lookup_ms:.2f} CPU ms per lookup")
    print("peers, schema.execute in process (no HTTP), the same run:")
    for name, figure, note in peers.rows(peer_figures):
        print(f"  {name}: {figure} ({note})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="tiny")
    parser.add_argument("--n", type=int, default=20, help="operations per round (FindCard: 4x)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", choices=["page", "lookup"], help="print a cProfile of one instead")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="a fresh database of this backend (PostgreSQL: a new database on the bench server, dropped after)")
    args = parser.parse_args()
    asyncio.run(main_async(args.scale, args.n, args.repeat, args.profile, args.db))


if __name__ == "__main__":
    main()
