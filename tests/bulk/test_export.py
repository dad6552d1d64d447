"""`canopy export customers`: streamed CSV/JSONL that imports back unchanged; CLI exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest

from cli.bulk import export_customer_to, export_customers_to, import_into
from cli.main import database_name, main
from resolvers.bulk import export as bulk_export
from tests.bulk.conftest import audit_and_events, cli_args, write
from tests.conftest import Api, Tenant

ROWS = """externalRef,node,name,email,phone,locale,tags,attributes
C1,DE-01,Anna Schmidt,anna@example.com,+49301234567,de-DE,newsletter;vip,"{""size"": ""M""}"
C2,FR-01,Bruno Petit,,,fr-FR,,
C3,DE,"Carla, with comma",carla@example.com,,en,a,
"""


async def test_export_imports_back_without_changes(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a batch size of 2 makes the export page through keyset batches
    monkeypatch.setattr(bulk_export, "BATCH", 2)
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "in.csv", ROWS))]))
    before = await audit_and_events(api.db, tenant)
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        # when
        await export_customers_to(api.db, cli_args(["export", "customers", "--format", fmt, "--output", str(out)]))
        await import_into(api.db, cli_args(["import", "customers", str(out)]))
        # then
        assert await audit_and_events(api.db, tenant) == before
    with (tmp_path / "out.csv").open(newline="") as f:
        exported = list(csv.DictReader(f))
    assert [(r["externalRef"], r["node"], r["tags"]) for r in exported] == [
        ("C1", "DE-01", "newsletter;vip"), ("C2", "FR-01", ""), ("C3", "DE", "a"),
    ]
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert orjson.loads(lines[0])["attributes"] == {"size": "M"}


async def test_export_of_a_subtree_and_into_another_tenant(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "in.csv", ROWS))]))
    out = tmp_path / "de.jsonl"
    # when
    await export_customers_to(api.db, cli_args(
        ["export", "customers", "--node", "DE", "--format", "jsonl", "--output", str(out)]
    ))
    # then
    refs = [orjson.loads(line)["externalRef"] for line in out.read_text().splitlines()]
    assert refs == ["C1", "C3"]
    with pytest.raises(Exception, match="no tier node with code 'NOPE'"):
        await export_customers_to(api.db, cli_args(["export", "customers", "--node", "NOPE"]))


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "customers"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "customers", "--format", "xml"])
    assert exit_info.value.code == 2


async def test_cli_exit_codes_and_one_line_messages(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CANOPY_DATABASE_URL", api.db.url)
    good = write(tmp_path / "good.csv", ROWS)
    bad = write(tmp_path / "bad.csv", "externalRef,node,name\nX1,NOPE,Someone\n")
    # when / then
    assert await _main(["import", "customers", str(good)]) == 0
    assert await _main(["import", "customers", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("canopy: 1 row rejected (first: line 2, column node: no tier node with code 'NOPE')")
    assert await _main(["import", "customers", str(tmp_path / "missing.csv")]) == 1
    assert capsys.readouterr().err.strip() == f"canopy: no such file: {tmp_path / 'missing.csv'}"
    assert await _main(["import", "customers", str(good), "--tenant", "other"]) == 1
    # missing data: the message names the database the command looked in
    assert capsys.readouterr().err.strip() == f"canopy: no tenant 'other' in database {database_name(api.db.url)}"


async def _main(argv: list[str]) -> int:
    """main() runs its own event loop: give it a thread."""
    import asyncio

    return await asyncio.to_thread(main, argv)


async def test_export_customer_prints_the_gdpr_document(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "in.csv", ROWS))]))
    capsys.readouterr()
    # when
    await export_customer_to(api.db, cli_args(["export", "customer", "C1"]))
    # then
    document = orjson.loads(capsys.readouterr().out)
    assert "anna@example.com" in orjson.dumps(document).decode()
    with pytest.raises(Exception, match="customer 'nobody' not found"):
        await export_customer_to(api.db, cli_args(["export", "customer", "nobody"]))


async def test_the_demo_tenant_exports_and_imports_back_without_a_change(
    api: Api, tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the demo's tree and customers (half of them without externalRef), as `canopy demo` makes them
    import random

    from cli import demo, demo_customers
    from db.models.tree import TierNode

    async with api.db.session(tenant_id=tenant.id) as session:
        root = await session.get(TierNode, (tenant.id, tenant.root_id))
    stores = await demo._build_tree(api.db, tenant.id, root)
    async with api.db.transaction(tenant_id=tenant.id) as session:
        await demo_customers.seed(session, tenant, stores, random.Random(7))
    before = await audit_and_events(api.db, tenant)
    capsys.readouterr()
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"all.{fmt}"
        # when
        await export_customers_to(api.db, cli_args(["export", "customers", "--format", fmt, "--output", str(out)]))
        exported = int(capsys.readouterr().err.split()[1])
        await import_into(api.db, cli_args(["import", "customers", str(out)]))
        # then: every row found again by its ref or its id, none rejected, nothing written
        summary = capsys.readouterr().out
        assert f": 0 created, 0 updated, {exported} unchanged, 0 rejected\n" in summary, summary
        assert await audit_and_events(api.db, tenant) == before
    with (tmp_path / "all.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    refless = [r for r in rows if not r["externalRef"]]
    assert len(rows) > 1000 and len(rows) / 3 < len(refless) < len(rows) * 2 / 3
    # and the id is the key of a customer without a ref: an edit updates it, a ref given is kept
    edited = tmp_path / "edited.csv"
    with edited.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow({**refless[0], "name": "Renamed Customer"})
        writer.writerow({**refless[1], "externalRef": "NEW-REF-1"})
    await import_into(api.db, cli_args(["import", "customers", str(edited)]))
    assert "0 created, 2 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out
    await export_customer_to(api.db, cli_args(["export", "customer", "NEW-REF-1"]))
    assert refless[1]["email"] in capsys.readouterr().out or not refless[1]["email"]


async def test_an_id_from_another_tenant_without_a_ref_is_not_found(
    api: Api, tenant: Tenant, stores: dict[str, int], tmp_path: Path
) -> None:
    # given: an export of a customer without externalRef, imported into another tenant
    from cli.main import UserFacingError

    await import_into(api.db, cli_args(["import", "customers", str(write(tmp_path / "in.csv", ROWS))]))
    out = tmp_path / "out.jsonl"
    await export_customers_to(api.db, cli_args(["export", "customers", "--format", "jsonl", "--output", str(out)]))
    record = orjson.loads(out.read_text().splitlines()[0])
    other = await api.make_tenant("other")
    one = write(tmp_path / "one.jsonl", orjson.dumps({**record, "externalRef": None, "node": "HQ"}).decode() + "\n")
    before = await audit_and_events(api.db, other)
    # when / then
    with pytest.raises(UserFacingError, match=f"line 1, column id: no customer with id '{record['id']}'"):
        await import_into(api.db, cli_args(["import", "customers", str(one), "--tenant", "other"]))
    assert await audit_and_events(api.db, other) == before
