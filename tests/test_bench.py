"""The bench suite runs end to end at the tiny scale, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_runs_at_tiny_scale() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", "tiny", "--db", "sqlite", "--lookup-seconds", "0.3"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads((ROOT / "bench" / "results" / "tiny-sqlite.json").read_text())
    assert figures["statements_page_10"] == figures["statements_page_100"]
    assert figures["move_1000_ms"] > 0 and figures["lookup_c8_rps"] > 0
    assert "GraphQL overhead ratio" in result.stdout


async def test_the_page_row_runs_beside_its_peers_over_the_same_rows(tmp_path: Path) -> None:
    from bench import peers
    from bench.generate import SCALES, generate
    from db.session import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}")
    try:
        gen = await generate(db, SCALES["tiny"])
        out: dict[str, float] = {}
        # bench_peers asserts that both peers answer exactly the raw payload, Canopy as many customers
        await peers.bench_peers(db, gen.tenant_id, gen.admin_token, out, repeat=1)
    finally:
        await db.dispose()
    assert out["page100_rows"] == 100
    for name in ("canopy", "strawberry", "graphql_core"):
        assert out[f"page100_{name}_ms"] > 0 and out[f"page100_{name}_ratio"] > 0
    assert [row[0].strip().split(",")[0] for row in peers.rows(out)][1:] == [
        "Canopy schema.execute + orjson", "bare strawberry", "bare graphql-core"]


def test_import_speed_refuses_a_database_holding_canopy_tables(tmp_path: Path) -> None:
    import sqlite3

    import sqlalchemy as sa

    import db.models  # noqa: F401
    from db.base import Base

    path = tmp_path / "canopy.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    url = f"sqlite+aiosqlite:///{path}"
    result = subprocess.run([sys.executable, "-m", "bench.import_speed", "--rows", "20", "--database-url", url],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "already holds Canopy tables" in result.stderr, result.stderr[-2000:]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM customer").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM tenant").fetchone() == (0,)
    # given --reuse it is the caller's data set to write into: it runs
    reused = subprocess.run([sys.executable, "-m", "bench.import_speed", "--rows", "20", "--database-url", url,
                             "--reuse"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert reused.returncode == 0 and "import" in reused.stdout, reused.stderr[-2000:]


def test_tree_move_bench_moves_on_both_backends() -> None:
    import os

    from tests.conftest import IN_CI, PG_URL

    env = {**os.environ, "CANOPY_BENCH_POSTGRES_URL": PG_URL}
    result = subprocess.run([sys.executable, "-m", "bench.tree_move", "--moves", "3", "--nodes", "30"],
                            capture_output=True, text=True, timeout=300, env=env)
    if result.returncode != 0 and not IN_CI and "connect" in result.stderr.lower():
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| sqlite |" in result.stdout and "| postgres |" in result.stdout and "PostgreSQL / SQLite" in result.stdout


def test_readpath_bench_runs_on_both_backends_with_its_peer_rows() -> None:
    import os

    from tests.conftest import IN_CI, PG_URL

    env = {**os.environ, "CANOPY_BENCH_POSTGRES_URL": PG_URL}
    for kind in ("sqlite", "postgres"):
        result = subprocess.run([sys.executable, "-m", "bench.readpath", "--scale", "tiny", "--n", "2", "--repeat", "1",
                                 "--db", kind], capture_output=True, text=True, timeout=600, env=env)
        if kind == "postgres" and result.returncode != 0 and not IN_CI and "connect" in result.stderr.lower():
            pytest.skip(f"PostgreSQL unreachable at {PG_URL}")
        assert result.returncode == 0, result.stderr[-2000:]
        for row in ("page of 100:", "FindCard:", "bare strawberry", "bare graphql-core"):
            assert row in result.stdout, result.stdout
