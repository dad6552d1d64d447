"""Key rotation of the encrypted columns (db/crypto.py): counts per key version, re-encryption.

Re-encryption walks each encrypted column by primary key in short transactions of
`batch` rows, reading the stored value raw and writing the decrypted value back
through the column type (which seals it with the current version). Each UPDATE
is conditional on the stored value being unchanged, so a row edited meanwhile is
never overwritten: the edit was sealed by its writer, and a later pass picks it
up if that writer still used an old version. Rows already on the current version
are filtered out, so an interrupted rotation resumes by running again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Text, and_, case, cast, func, literal, select, tuple_, update

from db import crypto
from db.session import Database

PLAINTEXT = "plaintext"


@dataclass
class ColumnStatus:
    name: str  # table.column
    total: int
    by_version: dict[str, int]  # "1", "2", ..., "plaintext", "unknown"


def _raw(column: Any) -> Any:
    """The stored text: for JSON columns the JSON text, so an encrypted one starts with a quote."""
    return cast(column, Text)


def _prefix(column: Any, version: int | None = None) -> str:
    quote = '"' if isinstance(column.type.impl, JSON) else ""
    return f"{quote}{crypto.PREFIX}{'' if version is None else f'{version}:'}"


def _decode(column: Any, raw: str) -> Any:
    """The plaintext value of a raw stored value, as the ORM would read it."""
    value: Any = json.loads(raw) if isinstance(column.type.impl, JSON) else raw
    return column.type.process_result_value(value, None)


async def status(db: Database, ring: crypto.Keyring) -> list[ColumnStatus]:
    out = []
    async with db.session(all_tenants=True) as session:
        for table, column in crypto.encrypted_columns():
            raw = _raw(column)
            counts = [func.count(column)]
            counts += [func.sum(case((raw.like(_prefix(column, v) + "%"), 1), else_=0)) for v in sorted(ring.keys)]
            counts.append(func.sum(case((raw.like(_prefix(column) + "%"), 0), else_=1)))
            row = (await session.execute(select(*counts).select_from(table).where(column.is_not(None)))).one()
            total, *versions, plain = (int(v or 0) for v in row)
            by_version = {str(v): n for v, n in zip(sorted(ring.keys), versions, strict=True)}
            by_version[PLAINTEXT] = plain
            unknown = total - sum(by_version.values())
            if unknown:
                by_version["unknown"] = unknown
            out.append(ColumnStatus(f"{table.name}.{column.name}", total, by_version))
    return out


def in_use(statuses: list[ColumnStatus], version: int) -> int:
    return sum(s.by_version.get(str(version), 0) for s in statuses)


async def reencrypt(db: Database, *, batch: int = 500, say: Callable[[str], None] = print) -> int:
    """Re-seal every value not on the current version; returns how many rows were rewritten."""
    ring = crypto.active()
    if ring is None:
        raise crypto.KeyringError("no keyring configured: set CANOPY_DATA_KEYS")
    rewritten = 0
    for table, column in crypto.encrypted_columns():
        name = f"{table.name}.{column.name}"
        raw = _raw(column)
        stale = and_(column.is_not(None), ~raw.like(_prefix(column, ring.current) + "%"))
        async with db.session(all_tenants=True) as session:
            todo = int(await session.scalar(select(func.count()).select_from(table).where(stale)) or 0)
        done, cursor = 0, (literal(-1), literal(-1))
        while True:
            async with db.transaction(all_tenants=True) as session:
                rows = (await session.execute(
                    select(table.c.tenant_id, table.c.id, raw.label("raw")).where(
                        stale, tuple_(table.c.tenant_id, table.c.id) > tuple_(*cursor))
                    .order_by(table.c.tenant_id, table.c.id).limit(batch))).all()
                for tenant_id, row_id, stored in rows:
                    result = await session.execute(
                        update(table).where(table.c.tenant_id == tenant_id, table.c.id == row_id, raw == stored)
                        .values({column.name: _decode(column, stored)}))
                    rewritten += result.rowcount or 0
            if not rows:
                break
            done += len(rows)
            cursor = (literal(rows[-1][0]), literal(rows[-1][1]))
            say(f"{name}: {min(done, todo)}/{todo} re-encrypted with key version {ring.current}")
            await asyncio.sleep(0)  # let a serving process's requests in between batches
        if not todo:
            say(f"{name}: nothing to re-encrypt")
    return rewritten
