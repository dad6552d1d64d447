"""The command line: which commands may create a database, the tenant option, missing-data messages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cli.main import GIVE_TENANT, build_parser, database_name, main


async def _main(argv: list[str]) -> int:
    """main() runs its own event loop: give it a thread."""
    return await asyncio.to_thread(main, argv)


@pytest.mark.parametrize("argv", [
    ["token", "create", "--email", "admin@acme.example"],
    ["admin", "create", "--tenant", "acme", "--email", "a@acme.example", "--password", "long enough pw"],
    ["events", "prune"],
    ["points", "expire"],
    ["stats", "rebuild"],
    ["chat", "link", "--email", "admin@acme.example"],
    ["bot", "telegram"],
])
async def test_commands_other_than_migrate_and_demo_never_create_the_database(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a database URL whose file does not exist (e.g. run from another folder)
    path = tmp_path / "elsewhere" / "canopy.db"
    path.parent.mkdir()
    monkeypatch.setenv("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("CANOPY_TELEGRAM_TOKEN", "123:not-used")  # the check comes before any call
    # when
    code = await _main(argv)
    # then: one line naming the file, exit 1, and still no file
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"canopy: no database at {path} ") and "canopy migrate" in err, err
    assert "\n" not in err
    assert not path.exists()


async def test_migrate_creates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "canopy.db"
    monkeypatch.setenv("CANOPY_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert await _main(["migrate"]) == 0
    assert path.exists()


@pytest.fixture
async def two_tenants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with tenants acme and globex, made through the command line."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'canopy.db'}"
    monkeypatch.setenv("CANOPY_DATABASE_URL", url)
    monkeypatch.delenv("CANOPY_TENANT", raising=False)
    assert await _main(["migrate"]) == 0
    for slug in ("acme", "globex"):
        argv = ["admin", "create", "--tenant", slug, "--email", f"admin@{slug}.example",
                "--password", "correct horse battery"]
        assert await _main(argv) == 0
    return url


async def test_missing_staff_names_the_database(
    two_tenants: str, capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    assert await _main(["token", "create", "--email", "nobody@acme.example"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"canopy: no staff member with email nobody@acme.example in database {database_name(two_tenants)}"
    )


async def test_several_tenants_get_one_message_and_canopy_tenant_picks_one(
    two_tenants: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: two tenants
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,rate\nUSD,2024-01-01,0.91\n")
    customers = tmp_path / "customers.csv"
    customers.write_text("externalRef,node,name\nC1,HQ,Ann\n")
    capsys.readouterr()
    # when: no tenant named
    for argv in (["rates", "import", str(rates)], ["import", "customers", str(customers)],
                 ["export", "customers"]):
        assert await _main(argv) == 1
        # then: the same answer everywhere
        assert capsys.readouterr().err.strip() == f"canopy: there are several tenants: {GIVE_TENANT}"
    # when: CANOPY_TENANT names one
    monkeypatch.setenv("CANOPY_TENANT", "globex")
    assert await _main(["rates", "import", str(rates)]) == 0
    assert capsys.readouterr().out.strip() == "imported 1 exchange rates into tenant globex"
    assert await _main(["token", "create", "--email", "admin@globex.example"]) == 0
    # and an explicit --tenant wins over it
    assert build_parser().parse_args(["rates", "import", "f.csv", "--tenant", "acme"]).tenant == "acme"
    assert build_parser().parse_args(["rates", "import", "f.csv"]).tenant == "globex"


def test_readme_command_table_shows_tenant() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in ("canopy import customers", "canopy export customers", "canopy rates import"):
        line = next(row for row in readme.splitlines() if row.startswith(f"| `{command}"))
        assert "--tenant SLUG" in line, line
    assert "CANOPY_TENANT" in readme
