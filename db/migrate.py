"""Apply alembic migrations programmatically (server start, `canopy migrate`, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import String, Text, text
from sqlalchemy.engine import Connection

from db.session import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def compare_type(ctx: Any, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any) -> bool | None:
    """Alembic's type comparison, except that SQLite's VARCHAR(n) and TEXT are one type: every
    string has TEXT affinity there and no length is enforced, and changing one into the other
    would rebuild the table (its triggers and the foreign keys into it included) for nothing."""
    if ctx.dialect.name == "sqlite":
        impl = getattr(metadata_type, "impl", metadata_type)
        if isinstance(inspected_type, String) and isinstance(impl, String | Text):
            return False
    return None


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
