"""The committed web/console/ is exactly what `npm ci && npm run build` makes from the committed
lockfile and sources (and src/gql/ is what codegen makes from console/schema.graphql)."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fresh_build_equals_committed(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm is required under CI=true")
        pytest.skip("npm is missing: the console build cannot be checked")
    work = tmp_path / "console"
    shutil.copytree(ROOT / "console", work, ignore=shutil.ignore_patterns("node_modules"))
    env = {**os.environ, "CONSOLE_OUT": str(tmp_path / "out"), "CI": "true"}
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "codegen"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
    generated = filecmp.dircmp(ROOT / "console" / "src" / "gql", work / "src" / "gql")
    assert not (generated.diff_files or generated.left_only or generated.right_only), \
        "src/gql is stale: cd console && npm run codegen"
    built, committed = _files(tmp_path / "out"), _files(ROOT / "web" / "console")
    assert sorted(built) == sorted(committed), "cd console && npm run build, then commit web/console"
    for name, content in built.items():
        assert committed[name] == content, f"{name} differs from a fresh build"
