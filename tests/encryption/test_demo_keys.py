"""`canopy demo` encrypts by default with a keyring beside its SQLite file, which later commands find."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from cli import demo
from cli.main import main
from config import Settings


async def test_demo_writes_a_keyring_and_encrypts_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "canopy.db"
    monkeypatch.setenv("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.delenv("CANOPY_DATA_KEYS", raising=False)
    monkeypatch.setattr(demo, "SEEDERS", ["cli.demo_customers"])
    # when
    assert await asyncio.to_thread(main, ["demo"]) == 0
    # then
    keys = tmp_path / "canopy.db.keys"
    assert f"Data keys: {keys}" in capsys.readouterr().out
    assert Settings.from_env().keyring_path == str(keys)
    with closing(sqlite3.connect(database)) as conn:
        stored = [r[0] for r in conn.execute("SELECT attributes FROM customer")]
    assert stored and all(s.startswith('"enc:v1:') for s in stored)
    assert await asyncio.to_thread(main, ["keys", "status"]) == 0
    assert f"customer.attributes: {len(stored)} values (v1: {len(stored)}, plaintext: 0)" in capsys.readouterr().out


async def test_demo_without_encryption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'canopy.db'}")
    monkeypatch.delenv("CANOPY_DATA_KEYS", raising=False)
    monkeypatch.setattr(demo, "SEEDERS", [])
    assert await asyncio.to_thread(main, ["demo", "--no-encryption"]) == 0
    assert not (tmp_path / "canopy.db.keys").exists()


def test_serve_with_a_missing_keyring_fails_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "CANOPY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
           "CANOPY_DATA_KEYS": str(tmp_path / "absent.keys")}
    done = subprocess.run([sys.executable, "-m", "cli.main", "serve", "--port", "0"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == f"canopy: no keyring at {tmp_path / 'absent.keys'} (CANOPY_DATA_KEYS)"
