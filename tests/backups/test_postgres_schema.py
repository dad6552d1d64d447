"""PostgreSQL as deployed: one schema per installation, the app's restricted role behind
row-level security running `canopy backup`, restore into a new schema of another database."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.session import Database
from tests.backups.conftest import migrated, pg_databases, run_cli, seed
from tests.membership.test_points import ADJUST


def _in_schema(url: str, schema: str, user: str | None = None) -> str:
    parsed = make_url(url).update_query_dict({"search_path": f"{schema},public"})
    return (parsed.set(username=user) if user else parsed).render_as_string(hide_password=False)


async def test_the_app_role_backs_up_one_schema_and_it_restores_into_an_existing_empty_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    role = f"canopy_bk_{uuid.uuid4().hex[:8]}"
    async with pg_databases(roles=[role]) as fresh:
        # given: schema `crm` migrated by its owner, the app's role granted rows only (no BYPASSRLS)
        source_db, target_db = await fresh("src"), await fresh("dst")
        owner = _in_schema(source_db, "crm")
        admin = Database(source_db)
        async with admin.engine.begin() as conn:
            await conn.execute(text("CREATE SCHEMA crm"))
            await conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        await admin.dispose()
        db = await migrated(owner)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text(f'GRANT USAGE ON SCHEMA crm TO "{role}"'))
                await conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm TO "{role}"'))
                await conn.execute(text(f'GRANT SELECT ON ALL SEQUENCES IN SCHEMA crm TO "{role}"'))
            async with seed(db, members=2) as shop:
                await shop.api.ok(ADJUST, {"input": {"membershipId": shop.memberships[0], "delta": 9, "reason": "x"}})
        finally:
            await db.dispose()
        backup = tmp_path / "crm.canopy-backup"
        # when: the app's role takes the backup (it sees every tenant only via canopy.all_tenants)
        assert await run_cli(["backup", str(backup)], _in_schema(source_db, "crm", role), monkeypatch) == 0, \
            capsys.readouterr().err
        # and it is restored into an empty `crm` schema made beforehand
        target = Database(target_db)
        async with target.engine.begin() as conn:
            await conn.execute(text("CREATE SCHEMA crm"))
        await target.dispose()
        code = await run_cli(["restore", str(backup)], _in_schema(target_db, "crm"), monkeypatch)
        out = capsys.readouterr().out
        # then
        assert code == 0, out
        assert "ok        points ledger: 2 balances" in out and "every check passed" in out, out
        # a target whose search_path names another schema is refused
        assert await run_cli(["restore", str(backup)], _in_schema(target_db, "other"), monkeypatch) == 1
        assert "give a target URL with search_path=crm" in capsys.readouterr().err
