"""What restore refuses before writing anything, what it migrates, and what its verification catches."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from db.session import Database
from tests.backups.conftest import Fresh, damage, migrated, run_cli, seed
from tests.membership.test_points import ADJUST


async def _backup_of_seeded(fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            *, sql: list[str] = (), revision: str = "head") -> Path:  # type: ignore[assignment]
    """A small seeded database (optionally changed by raw `sql` afterwards), backed up."""
    source = await migrated(await fresh("src"), revision)
    try:
        if revision == "head":
            async with seed(source, members=2) as shop:
                await shop.api.ok(ADJUST, {"input": {"membershipId": shop.memberships[0], "delta": 40, "reason": "x"}})
                await shop.api.ok(ADJUST, {"input": {"membershipId": shop.memberships[1], "delta": 7, "reason": "y"}})
        async with source.engine.begin() as conn:
            for statement in sql:
                await conn.execute(text(statement))
    finally:
        await source.dispose()
    backup = tmp_path / f"seeded-{uuid.uuid4().hex[:6]}.canopy-backup"
    assert await run_cli(["backup", str(backup)], source.url, monkeypatch) == 0
    return backup


async def _tables(url: str) -> int:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                return int(await conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")))
            return int(await conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")))
    finally:
        await db.dispose()


async def test_refuses_a_non_empty_target_a_damaged_file_and_a_newer_revision(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    backup = await _backup_of_seeded(fresh, tmp_path, monkeypatch)
    capsys.readouterr()
    # a migrated (non-empty) target
    occupied = await fresh("occupied")
    await (await migrated(occupied)).dispose()
    tables = await _tables(occupied)
    assert await run_cli(["restore", str(backup)], occupied, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "restore stopped:" in err and "is not empty" in err and "restore needs a new database" in err, err
    assert await _tables(occupied) == tables
    # a damaged payload
    damaged = tmp_path / "damaged.canopy-backup"
    damaged.write_bytes(backup.read_bytes())
    damage(damaged)
    empty = await fresh("empty")
    assert await run_cli(["restore", str(damaged)], empty, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "damaged" in err, err
    # not a backup at all
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a tar file" * 100)
    assert await run_cli(["restore", str(junk)], empty, monkeypatch) == 1
    assert "is not a Canopy backup" in capsys.readouterr().err
    assert await _tables(empty) == 0

    # a backup made by a newer Canopy (a revision this code does not know)
    newer = await _backup_of_seeded(fresh, tmp_path, monkeypatch, sql=["UPDATE alembic_version SET version_num = '9999'"])
    capsys.readouterr()
    assert await run_cli(["restore", str(newer)], empty, monkeypatch) == 1
    err = capsys.readouterr().err
    assert "revision 9999, which this Canopy does not know" in err and "newer Canopy" in err, err
    assert await _tables(empty) == 0


async def test_an_older_backup_is_migrated_up_and_verified(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a database at revision 0005, backed up
    backup = await _backup_of_seeded(fresh, tmp_path, monkeypatch, revision="0005")
    # when
    target = await fresh("dst")
    code = await run_cli(["restore", str(backup)], target, monkeypatch)
    # then
    out = capsys.readouterr().out
    assert code == 0, out
    assert "migrated from revision 0005 to " in out and "every check passed" in out, out
    db = Database(target)
    try:
        async with db.engine.connect() as conn:
            from db.backups import _known_revisions

            heads, _ = _known_revisions([])
            assert [await conn.scalar(text("SELECT version_num FROM alembic_version"))] == heads
    finally:
        await db.dispose()


async def test_verification_names_each_mismatch_and_exits_non_zero(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a source whose rows were changed behind the app: a balance off its ledger,
    # a counter off the rows, and an event lost in the middle of the log
    backup = await _backup_of_seeded(fresh, tmp_path, monkeypatch, sql=[
        "UPDATE membership SET points_balance = points_balance + 1 WHERE id = (SELECT min(id) FROM membership)",
        "UPDATE node_stats SET customer_count = customer_count + 5",
        "DELETE FROM event WHERE seq = 2",
    ])
    capsys.readouterr()
    # when
    target = await fresh("dst")
    code = await run_cli(["restore", str(backup)], target, monkeypatch)
    # then
    captured = capsys.readouterr()
    assert code == 1
    assert "ok        row counts" in captured.out
    assert "MISMATCH  points ledger: 1 of 2 balances differ" in captured.out, captured.out
    assert "MISMATCH  node counters:" in captured.out, captured.out
    assert "MISMATCH  event log: tenant" in captured.out and "(1 missing)" in captured.out, captured.out
    assert "verification failed" in captured.err and "do not serve from it" in captured.err


async def test_stats_rebuild_check_reports_without_writing(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    url = await fresh("src")
    db = await migrated(url)
    try:
        async with seed(db, members=1):
            pass
        assert await run_cli(["stats", "rebuild", "--check"], url, monkeypatch) == 0
        assert "1 nodes; 0 differ" in capsys.readouterr().out
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE node_stats SET customer_count = customer_count + 5"))
        assert await run_cli(["stats", "rebuild", "--check"], url, monkeypatch) == 1
        assert "1 differed from the rows" in capsys.readouterr().out
        assert await run_cli(["stats", "rebuild", "--check"], url, monkeypatch) == 1  # nothing written
    finally:
        await db.dispose()


async def test_refuses_a_backup_of_a_database_canopy_did_not_migrate(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    source = Database(await fresh("src"))
    try:
        async with source.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    finally:
        await source.dispose()
    backup = tmp_path / "stray.canopy-backup"
    assert await run_cli(["backup", str(backup)], source.url, monkeypatch) == 0
    assert "revision (none), 1 tables" in capsys.readouterr().out
    target = await fresh("dst")
    assert await run_cli(["restore", str(backup)], target, monkeypatch) == 1
    assert "records no migration revision" in capsys.readouterr().err
    assert await _tables(target) == 0
