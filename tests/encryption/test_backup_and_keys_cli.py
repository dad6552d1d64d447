"""Backups keep encrypted data encrypted and restore with the keyring; `canopy keys` end to end."""

from __future__ import annotations

import gzip
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from db import crypto
from db.models.customers import Customer
from db.models.service import Interaction
from db.session import Database
from tests.backups.conftest import Fresh, fresh, migrated, run_cli, seed  # noqa: F401
from tests.encryption.conftest import ATTRIBUTE, LOG, SUMMARY, UPDATE_CUSTOMER, plaintext_in
from tests.membership.conftest import gid


def _payload_text(backup: Path, tmp_path: Path) -> bytes:
    """The database inside the backup as bytes a grep can read (SQLite file, or pg_restore's SQL)."""
    with tarfile.open(backup, "r:") as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    payload = tmp_path / "unpacked" / next(n for n in names if n != "manifest.json")
    if payload.suffix == ".gz":
        return gzip.decompress(payload.read_bytes())
    return subprocess.run(["pg_restore", "--file=-", str(payload)], check=True, capture_output=True).stdout


async def test_backups_stay_encrypted_and_restore_with_the_keyring(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # noqa: F811
) -> None:
    keys = tmp_path / "canopy.keys"
    assert await run_cli(["keys", "generate", str(keys)], "sqlite+aiosqlite:///unused.db", monkeypatch) == 0
    assert os.stat(keys).st_mode & 0o077 == 0  # the owner's only
    monkeypatch.setenv("CANOPY_DATA_KEYS", str(keys))
    # given: contact data written with encryption on
    source = await migrated(await fresh("src"))
    try:
        async with seed(source, members=1, data_keys=str(keys)) as shop:
            async with source.session(all_tenants=True) as session:
                customer = await session.scalar(select(Customer.id))
            logged = await shop.api.ok(LOG, {"input": {"customerId": gid("Customer", customer), "kind": "CALL",
                                                       "summary": SUMMARY}})
            assert logged["logInteraction"]["errors"] == [], logged
            updated = await shop.api.ok(UPDATE_CUSTOMER, {"input": {"id": gid("Customer", customer),
                                                                    "attributes": {"note": ATTRIBUTE}}})
            assert updated["updateCustomer"]["errors"] == [], updated
    finally:
        await source.dispose()
    backup = tmp_path / "enc.canopy-backup"
    assert await run_cli(["backup", str(backup)], source.url, monkeypatch) == 0
    # then: the backup holds ciphertext only
    dumped = _payload_text(backup, tmp_path)
    assert plaintext_in(dumped) == [] and b"enc:v1:" in dumped
    # and restores, readable with the keyring
    target = await fresh("dst")
    assert await run_cli(["restore", str(backup)], target, monkeypatch) == 0, capsys.readouterr()
    capsys.readouterr()
    restored = Database(target)
    try:
        async with restored.session(all_tenants=True) as session:
            assert await session.scalar(select(Interaction.summary)) == SUMMARY
            assert await session.scalar(select(Customer.attributes)) == {"note": ATTRIBUTE}

        # `canopy keys`: status, a refused retire, rotate, retire
        assert await run_cli(["keys", "status"], target, monkeypatch) == 0
        out = capsys.readouterr().out
        assert "interaction.summary: 1 values (v1: 1, plaintext: 0)" in out, out
        assert "key version 1: 2 values, current" in out, out
        assert await run_cli(["keys", "retire", "1"], target, monkeypatch) == 1
        assert "is the current one: rotate first" in capsys.readouterr().err
        assert await run_cli(["keys", "rotate", "--wait", "0", "--batch", "1"], target, monkeypatch) == 0
        out = capsys.readouterr().out
        assert "added key version 2" in out and "interaction.summary: 1/1 re-encrypted with key version 2" in out, out
        assert "re-encrypted 2 values with key version 2" in out and "key version 1: 0 values, unused, may be retired" in out
        assert await run_cli(["keys", "retire", "1"], target, monkeypatch) == 0
        assert "retired key version 1" in capsys.readouterr().out
        assert sorted(crypto.Keyring.load(keys).keys) == [2]
        crypto.configure(keys)
        async with restored.session(all_tenants=True) as session:
            assert await session.scalar(select(Interaction.summary)) == SUMMARY
        # the backup, sealed with version 1, now needs a copy of the old keyring
        again = await fresh("again")
        assert await run_cli(["restore", str(backup)], again, monkeypatch) == 0  # its checks read no encrypted value
        later = Database(again)
        try:
            with pytest.raises(crypto.MissingKey, match="key version 1"):
                async with later.session(all_tenants=True) as session:
                    await session.scalar(select(Interaction.summary))
        finally:
            await later.dispose()
    finally:
        await restored.dispose()
        crypto.configure(None)
