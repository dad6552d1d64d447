"""`canopy demo` reports each phase as it finishes instead of staying silent."""

import asyncio
from pathlib import Path

import pytest

from cli import demo
from cli.main import main


async def test_demo_prints_a_line_per_phase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a fresh database and the demo with its first seeder only (the phases are what is tested)
    monkeypatch.setenv("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'canopy.db'}")
    monkeypatch.setattr(demo, "SEEDERS", ["cli.demo_customers"])
    # when
    assert await asyncio.to_thread(main, ["demo"]) == 0
    # then: one line per phase on stderr, in order; the credentials stay on stdout
    out, err = capsys.readouterr()
    done = [line.split(" done in ")[0] for line in err.splitlines() if " done in " in line]
    assert done == ["demo: tree", "demo: customers"], err
    assert "Admin password:" in out and "Admin password:" not in err
