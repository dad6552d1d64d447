"""Re-encryption after a key rotation (`canopy keys rotate`), customers' lookup keys included.

A customer written while encryption was off holds its email and phone in plaintext, and so
do the columns derived from them: search_text, email_key and the blind indexes. Sealing the
two columns alone (db/key_rotation.py) would leave those behind, so customers whose keys are
still plain are rekeyed first: in short transactions, each UPDATE conditional on the row
being as it was read (a writer meanwhile has rekeyed it with the keyring itself). The
column pass then seals every value not on the current key version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace

from sqlalchemy import literal, or_, select, tuple_, update

from db import crypto
from db.key_rotation import reencrypt
from db.models.customers import Customer
from db.session import Database
from resolvers.customers.customers import search_text
from resolvers.customers.identity import keys_of

_COLUMNS = ("name", "email", "phone", "external_ref", "search_text", "email_key", "email_bidx", "phone_bidx")


def _plain_keys() -> object:
    """Customers whose keys were written without a keyring (a plain address contains "@", a plain
    E.164 number starts with "+"; a blinded value is hex)."""
    return or_(Customer.email_bidx.contains("@"), Customer.email_key.contains("@"),
               Customer.phone_bidx.startswith("+"))


async def rekey_customers(db: Database, *, batch: int = 500, say: Callable[[str], None] = print) -> int:
    """Seal the email and phone of customers with plain keys and blind the keys; returns the rows done."""
    if crypto.active() is None:
        raise crypto.KeyringError("no keyring configured: set CANOPY_DATA_KEYS")
    table = Customer.__table__
    done, cursor = 0, (literal(-1), literal(-1))
    while True:
        async with db.transaction(all_tenants=True) as session:
            rows = (await session.execute(
                select(table.c.tenant_id, table.c.id, *(table.c[c] for c in _COLUMNS))
                .where(_plain_keys(), tuple_(table.c.tenant_id, table.c.id) > tuple_(*cursor))
                .order_by(table.c.tenant_id, table.c.id).limit(batch))).all()
            for row in rows:
                new = {**keys_of(row.name, row.email, row.phone), "email": row.email, "phone": row.phone,
                       "search_text": search_text(SimpleNamespace(**row._mapping))}  # type: ignore[arg-type]
                unchanged = [table.c[c].is_not_distinct_from(getattr(row, c)) for c in _COLUMNS
                             if c not in ("email", "phone")]
                result = await session.execute(
                    update(table).where(table.c.tenant_id == row.tenant_id, table.c.id == row.id, *unchanged)
                    .values(new))
                done += result.rowcount or 0
        if not rows:
            break
        cursor = (literal(rows[-1].tenant_id), literal(rows[-1].id))
        say(f"customer keys: {done} customers rekeyed")
        await asyncio.sleep(0)  # let a serving process's requests in between batches
    return done


async def reencrypt_all(db: Database, *, batch: int = 500, say: Callable[[str], None] = print) -> int:
    """Rekey plain customers, then re-seal every encrypted value not on the current key version."""
    rekeyed = await rekey_customers(db, batch=batch, say=say)
    rewritten = rekeyed + await reencrypt(db, batch=batch, say=say)
    if db.dialect == "sqlite":
        # The WAL still holds the pages as they were before: copy them back and empty it.
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return rewritten
