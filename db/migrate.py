"""Apply alembic migrations programmatically (server start, `canopy migrate`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.session import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def migrate(db: Database, revision: str = "head") -> None:
    def upgrade(conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            # Several servers starting together: one migrates, the others wait.
            await conn.execute(text("SELECT pg_advisory_xact_lock(727400)"))
        await conn.run_sync(upgrade)
