"""The benchmark suite: `python -m bench.run --scale S --db sqlite|postgres`.

Prints one table (and writes bench/results/<scale>-<db>.json), each figure
beside the limit measured in the same run:
1. SQL statements for a customers page at page sizes 10 and 100 (must be equal);
2. GraphQL overhead: that page through HTTP vs the same rows by minimal SQL + orjson, and in
   one process beside its peers (bench/peers.py: Canopy's schema.execute, a bare strawberry
   and a bare graphql-core schema over the same rows, each as a ratio to raw SQL + orjson);
3. the bot's customer lookup (find by phone + card): throughput and p50/p99 at
   concurrency 1, 8 and 32 through uvicorn on loopback;
4. subtree rollup at the root and at a region;
5. moving a subtree of 1,000 descendants.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import guard, limits, peers
from bench.generate import SCALES, Generated, generate
from db.base import new_id
from db.models.tree import TierNode, path_segment
from db.session import Database
from schema.relay import to_global_id

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
console = Console()
PG_BASE = os.environ.get("CANOPY_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def sqlite_url(scale: str, tmp: Path, *, fresh: bool = True) -> str:
    path = tmp / f"bench-{scale}.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def generated_path(scale: str, kind: str) -> Path:
    """What generate() returned for the database of (scale, kind): ids and the admin token."""
    return RESULTS / f"{scale}-{kind}.generated.pickle"


async def database_url(kind: str, scale: str, tmp: Path, *, fresh: bool = True, given: str | None = None) -> str:
    """A fresh database for this run (or the previous run's one with fresh=False).

    A database named by --database-url is written only if it holds no Canopy tables,
    or if --reuse names the data set the bench generated there."""
    if given:
        await guard.refuse_canopy_tables(given, reuse=not fresh)
        return given
    if kind == "sqlite":
        return await asyncio.to_thread(sqlite_url, scale, tmp, fresh=fresh)
    name = f"canopy_bench_{scale.lower()}"
    if not fresh:
        return f"{PG_BASE}/{name}"
    admin = create_async_engine(f"{PG_BASE}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return f"{PG_BASE}/{name}"


class Server:
    """`canopy serve` in a subprocess on a loopback port."""

    def __init__(self, url: str, port: int, workers: int = 1) -> None:
        self.url, self.port, self.workers = url, port, workers
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Server:
        # The load test is one token at full speed: lift the per-token rate limit for it.
        env = {**os.environ, "CANOPY_DATABASE_URL": self.url, "CANOPY_DEBUG": "1",
               "CANOPY_RATE_LIMIT_PER_MINUTE": "100000000", "CANOPY_RATE_LIMIT_BURST": "100000"}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "server:create_app", "--factory", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log", "--workers", str(self.workers),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as client:
            # Up to a minute: on a loaded 2-core machine imports and migrations take a while.
            deadline = time.perf_counter() + 60
            while time.perf_counter() < deadline:
                try:
                    if (await client.get(f"{self.base}/healthz")).status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the server did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aexit__(self, *_exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), timeout=10)


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    resp = await client.post("/graphql", json={"query": query, "variables": variables},
                             headers={"Authorization": f"Bearer {token}"})
    body = resp.json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors'][:2]}")
    return body


async def timed(fn: Any, repeat: int) -> float:
    """Median seconds of `repeat` calls after one warm-up."""
    await fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def bench_page(client: httpx.AsyncClient, db: Database, gen: Generated, out: dict[str, Any]) -> None:
    query = limits.page_query()
    counts = {}
    for size in (10, 100):
        body = await gql(client, query, {"first": size}, gen.admin_token)
        counts[size] = body["extensions"]["sql"]["statements"]
    out["statements_page_10"], out["statements_page_100"] = counts[10], counts[100]

    async def through_graphql() -> None:
        await gql(client, query, {"first": 100}, gen.admin_token)

    async def raw_limit() -> None:
        await limits.page_raw(db, gen.tenant_id, 100)

    out["page100_graphql_ms"] = await timed(through_graphql, 20) * 1000
    out["page100_limit_ms"] = await timed(raw_limit, 20) * 1000
    out["graphql_overhead_ratio"] = out["page100_graphql_ms"] / out["page100_limit_ms"]


async def bench_lookup(server: Server, gen: Generated, out: dict[str, Any], seconds: float,
                       concurrencies: tuple[int, ...] = (1, 8, 32), prefix: str = "lookup",
                       lookup: Any = limits.lookup) -> None:
    token, phones = await limits.lookup_fixture(server, gen)
    for concurrency in concurrencies:
        latencies: list[float] = []
        stop = time.perf_counter() + seconds
        limits_ = httpx.Limits(max_connections=concurrency)

        async def worker(client: httpx.AsyncClient, k: int, stop: float = stop, step: int = concurrency,
                         latencies: list[float] = latencies) -> None:
            i = k
            # at least one lookup each: on a loaded machine the window could pass before a
            # worker started, and an empty sample list had no percentile (IndexError)
            while i == k or time.perf_counter() < stop:
                start = time.perf_counter()
                await lookup(client, token, phones[i % len(phones)])
                latencies.append(time.perf_counter() - start)
                i += step

        async with httpx.AsyncClient(base_url=server.base, limits=limits_, timeout=30) as client:
            begin = time.perf_counter()
            await asyncio.gather(*(worker(client, k) for k in range(concurrency)))
            elapsed = time.perf_counter() - begin
        out[f"{prefix}_c{concurrency}_rps"] = len(latencies) / elapsed
        out[f"{prefix}_c{concurrency}_p50_ms"] = percentile(latencies, 0.5) * 1000
        out[f"{prefix}_c{concurrency}_p99_ms"] = percentile(latencies, 0.99) * 1000


async def bench_rollup(client: httpx.AsyncClient, gen: Generated, out: dict[str, Any]) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on TierNode { rollup { customerCount memberCount orderCount revenue { amount } openTicketCount } } } }"
    for label, node_id in (("root", gen.root_id), ("region", gen.regions[0])):
        gid = to_global_id("TierNode", node_id)

        async def one(gid: str = gid) -> None:
            await gql(client, query, {"id": gid}, gen.admin_token)

        out[f"rollup_{label}_ms"] = await timed(one, 5) * 1000


async def bench_move(client: httpx.AsyncClient, db: Database, gen: Generated, out: dict[str, Any]) -> None:
    """A subtree of 1,000 descendants under region 0, moved to region 1 through the API."""
    async with db.session(tenant_id=gen.tenant_id) as session:
        region = await session.get(TierNode, (gen.tenant_id, gen.regions[0]))
        assert region is not None
        top_id = new_id()
        top = {"tenant_id": gen.tenant_id, "id": top_id, "parent_id": region.id, "code": f"MOVE-{top_id}",
               "name": "moving", "kind": "distributor", "path": region.path + path_segment(top_id) + "/",
               "depth": region.depth + 1}
        rows = [top]
        for i in range(1000):
            parent = top if i < 10 else rows[1 + (i % 10)]
            nid = new_id()
            rows.append({**top, "id": nid, "parent_id": parent["id"], "code": f"MV-{nid}",
                         "path": parent["path"] + path_segment(nid) + "/", "depth": parent["depth"] + 1})
        from sqlalchemy import insert

        await session.execute(insert(TierNode.__table__), rows)
        await session.commit()
    mutation = "mutation($id: ID!, $to: ID!) { moveTierNode(input: {id: $id, newParentId: $to}) { errors { code } } }"
    variables = {"id": to_global_id("TierNode", top_id), "to": to_global_id("TierNode", gen.regions[1])}
    start = time.perf_counter()
    body = await gql(client, mutation, variables, gen.admin_token)
    out["move_1000_ms"] = (time.perf_counter() - start) * 1000
    assert body["data"]["moveTierNode"]["errors"] == [], body


def render(scale: str, kind: str, out: dict[str, Any]) -> None:
    table = Table(title=f"Canopy bench — scale {scale}, {kind}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("limit / target", justify="right")
    rows = [
        ("SQL statements, page of 10", f"{out['statements_page_10']}", "= page of 100"),
        ("SQL statements, page of 100", f"{out['statements_page_100']}", f"{out['statements_page_10']}"),
        ("page of 100 via GraphQL/HTTP", f"{out['page100_graphql_ms']:.1f} ms", f"{out['page100_limit_ms']:.1f} ms raw SQL+json"),
        ("GraphQL overhead ratio", f"{out['graphql_overhead_ratio']:.2f}", "≤ 2.0"),
        *peers.rows(out),
    ]
    for c in (1, 8, 32):
        rows.append((f"bot lookup c={c}", f"{out[f'lookup_c{c}_rps']:.0f} req/s",
                     f"p50 {out[f'lookup_c{c}_p50_ms']:.1f} / p99 {out[f'lookup_c{c}_p99_ms']:.1f} ms"))
    rows.append(("bot lookup as one operation, c=8", f"{out['lookup_one_op_c8_rps']:.0f} req/s",
                 f"p50 {out['lookup_one_op_c8_p50_ms']:.1f} / p99 {out['lookup_one_op_c8_p99_ms']:.1f} ms"))
    workers = out.get("lookup_workers")
    if workers:
        key = f"lookup_w{workers}_c8"
        rows.append((f"bot lookup c=8, {workers} workers (= cores)" if workers == os.cpu_count()
                     else f"bot lookup c=8, {workers} workers", f"{out[f'{key}_rps']:.0f} req/s",
                     f"p50 {out[f'{key}_p50_ms']:.1f} / p99 {out[f'{key}_p99_ms']:.1f} ms"))
        key = f"lookup_one_op_w{workers}_c8"
        rows.append((f"bot lookup as one operation, c=8, {workers} workers", f"{out[f'{key}_rps']:.0f} req/s",
                     f"p50 {out[f'{key}_p50_ms']:.1f} / p99 {out[f'{key}_p99_ms']:.1f} ms"))
    rows += [
        ("rollup at root", f"{out['rollup_root_ms']:.1f} ms", "< 1000 ms at L on PostgreSQL"),
        ("rollup at a region", f"{out['rollup_region_ms']:.1f} ms", ""),
        ("move 1,000 descendants", f"{out['move_1000_ms']:.1f} ms", ""),
    ]
    for extra in limits.extra_rows(out):
        rows.append(extra)
    for row in rows:
        table.add_row(*row)
    console.print(table)


async def run(scale: str, kind: str, lookup_seconds: float, *, reuse: bool = False,
              workers: int = 0, given_url: str | None = None) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = generated_path(scale, kind)
    if reuse and given_url and not saved.exists():
        raise SystemExit(f"--reuse: no data set generated by the bench is recorded ({saved.name})")
    reuse = reuse and saved.exists()
    url = await database_url(kind, scale, RESULTS, fresh=not reuse, given=given_url)
    db = Database(url)
    if reuse:
        # The previous run's data set (the move bench adds ~1,000 nodes per run: noise at S).
        console.print(f"reusing the generated scale {scale} on {kind} ({saved.name})")
        gen = pickle.loads(saved.read_bytes())  # noqa: S301 - our own file, written below
    else:
        console.print(f"generating scale {scale} on {kind} ...")
        saved.unlink(missing_ok=True)
        gen = await generate(db, SCALES[scale])
        saved.write_bytes(pickle.dumps(gen))
    out: dict[str, Any] = {"scale": scale, "db": kind, "machine": f"{os.cpu_count()} cpus"}
    # In this process, before the server starts: nothing else runs beside it.
    await peers.bench_peers(db, gen.tenant_id, gen.admin_token, out)
    port = free_port()
    async with Server(url, port) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
            await bench_page(client, db, gen, out)
            await bench_rollup(client, gen, out)
            await bench_move(client, db, gen, out)
        await bench_lookup(server, gen, out, lookup_seconds)
        await bench_lookup(server, gen, out, lookup_seconds, (8,), prefix="lookup_one_op",
                           lookup=limits.lookup_combined)
    if workers > 1:
        # `canopy serve --workers N`: the same lookup at c=8 spread over N processes.
        out["lookup_workers"] = workers
        async with Server(url, free_port(), workers=workers) as server:
            await bench_lookup(server, gen, out, lookup_seconds, (8,), prefix=f"lookup_w{workers}")
            await bench_lookup(server, gen, out, lookup_seconds, (8,), prefix=f"lookup_one_op_w{workers}",
                               lookup=limits.lookup_combined)
    await limits.extra_benches(db, gen, out)
    await db.dispose()
    (RESULTS / f"{scale}-{kind}.json").write_text(json.dumps(out, indent=2))
    render(scale, kind, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=list(SCALES), default="S")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="run on this database (SQLAlchemy URL) instead of the bench's "
                        "own; refused if it already holds Canopy tables, unless --reuse")
    parser.add_argument("--lookup-seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="also run the lookup at c=8 against `canopy serve --workers N` (1: skip)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database generated by the previous run of this scale and backend")
    parser.add_argument("--with-streams", action="store_true",
                        help="also run bench.events_latency and bench.import_speed (item 6)")
    args = parser.parse_args()
    kind = args.db
    if args.database_url:
        kind = "sqlite" if make_url(args.database_url).get_backend_name() == "sqlite" else "postgres"
    asyncio.run(run(args.scale, kind, args.lookup_seconds, reuse=args.reuse, workers=args.workers,
                    given_url=args.database_url))
    if args.with_streams:
        # Their own tables: event latency commit -> subscriber, import rows/s vs raw executemany.
        for module, extra in (("bench.events_latency", []), ("bench.import_speed", ["--backend", args.db])):
            console.print(f"[bold]{module}[/bold]")
            subprocess.run([sys.executable, "-m", module, *extra], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
