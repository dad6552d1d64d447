"""The bench suite runs end to end at the tiny scale, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
