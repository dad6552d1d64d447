"""The one rule of every bench that writes: never into a database that already holds Canopy's
tables, unless --reuse says that data set is the bench's own to write into again.

(`bench.import_speed --with-streams` on PostgreSQL once found Canopy's tables through the
search path, wrote 20,000 customers into an existing tenant and crashed half-way.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def holds_canopy_tables(url: str, **engine_kw: Any) -> bool:
    """Whether Canopy's schema (its tenant table) is visible at `url` (search path included)."""
    engine = create_async_engine(url, **engine_kw)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: inspect(sync).has_table("tenant"))
    finally:
        await engine.dispose()


async def refuse_canopy_tables(url: str, *, reuse: bool, **engine_kw: Any) -> None:
    """SystemExit if the database at `url` holds Canopy tables and --reuse was not given."""
    if not reuse and await holds_canopy_tables(url, **engine_kw):
        raise SystemExit(f"{make_url(url).render_as_string()} already holds Canopy tables: the bench does "
                         "not write into it (pass --reuse to run on the data set it generated there)")
