"""The restore drill: back up while writes land, restore into a new database, find every
write acknowledged before the backup started, and let restore's own verification pass."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models.customers import Customer
from db.models.membership import PointsEntry
from db.session import Database
from tests.backups.conftest import Fresh, migrated, run_cli, seed
from tests.membership.conftest import gid, pk
from tests.membership.test_points import ADJUST

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { field code message } }
}"""


async def test_backup_under_write_load_restores_every_acknowledged_write(
    fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a seeded database served by the app
    source = await migrated(await fresh("src"))
    backup = tmp_path / "drill.canopy-backup"
    acked: list[tuple[float, float, str, int]] = []  # (when sent, when acknowledged, kind, row id)
    stop, warmed = asyncio.Event(), asyncio.Event()
    try:
        async with seed(source) as shop:
            async def writer(n: int) -> None:
                rng = random.Random(n)
                while not stop.is_set():
                    sent = time.monotonic()
                    if rng.random() < 0.7:
                        data = await shop.api.ok(ADJUST, {"input": {
                            "membershipId": rng.choice(shop.memberships), "delta": rng.randint(1, 50),
                            "reason": f"drill {n}"}})
                        assert data["adjustPoints"]["errors"] == [], data
                        acked.append((sent, time.monotonic(), "points", pk(data["adjustPoints"]["pointsEntry"]["id"])))
                    else:
                        data = await shop.api.ok(CREATE_CUSTOMER, {"input": {
                            "nodeId": _node_gid(shop.store_id), "name": f"Drill {n}-{len(acked)}"}})
                        assert data["createCustomer"]["errors"] == [], data
                        acked.append((sent, time.monotonic(), "customer", pk(data["createCustomer"]["customer"]["id"])))
                    if len(acked) >= 30:
                        warmed.set()

            writers = [asyncio.create_task(writer(n)) for n in range(3)]
            await warmed.wait()  # the load is running
            # when: the backup runs while the writers go on
            started = time.monotonic()
            code = await run_cli(["backup", str(backup)], source.url, monkeypatch)
            finished = time.monotonic()
            await asyncio.sleep(0.05)
            stop.set()
            await asyncio.gather(*writers)
    finally:
        await source.dispose()
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("backed up ")
    before = [(kind, row) for _sent, when, kind, row in acked if when < started]
    # Writes in flight while the backup ran (each may land before or after its snapshot).
    during = [a for a in acked if a[0] <= finished and a[1] >= started]
    assert during, "no write was in flight while the backup ran: the drill proved nothing"

    # then: restore into a new database passes its verification...
    target = await fresh("dst")
    assert await run_cli(["restore", str(backup)], target, monkeypatch) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    for line in ("checksum: sha256", "ok        row counts", "ok        points ledger",
                 "ok        node counters", "ok        order rollup", "ok        event log", "every check passed"):
        assert line in out, out
    assert "MISMATCH" not in out
    # ...and holds every write acknowledged before the backup started
    restored = Database(target)
    try:
        async with restored.session(all_tenants=True) as session:
            entries = set((await session.scalars(select(PointsEntry.id))).all())
            customers = set((await session.scalars(select(Customer.id))).all())
    finally:
        await restored.dispose()
    missing = [(k, r) for k, r in before if r not in (entries if k == "points" else customers)]
    assert not missing, missing
    # nothing restored that was never written (enrolment writes no ledger row)
    assert entries <= {r for _s, _a, k, r in acked if k == "points"}


def _node_gid(node_id: int) -> str:
    return gid("TierNode", node_id)

