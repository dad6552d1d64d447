"""Exports: a subtree's customers streamed in keyset batches; one customer's GDPR document."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Any, TextIO

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.customers import Customer
from db.models.tree import TierNode, in_subtree
from db.session import Database
from resolvers.bulk.consents import CONSENT_COLUMNS, export_values
from resolvers.bulk.customers import TAG_SEPARATOR
from resolvers.common.errors import DomainError, ErrorCode, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.consent.consents import current_consents

# The import's columns first (so an export imports back unchanged), then read-only ones.
EXPORT_COLUMNS = ["externalRef", "node", "name", "email", "phone", "locale", "tags", "attributes",
                  *CONSENT_COLUMNS, "id", "createdAt", "updatedAt"]
BATCH = 1000


async def _subtree_path(session: AsyncSession, viewer: Viewer, node_code: str | None) -> str:
    if node_code is None:
        return viewer.scope_path
    node = await session.scalar(select(TierNode).where(TierNode.code == node_code))
    if node is None or not viewer.in_scope(node.path):
        raise DomainError(ErrorCode.NOT_FOUND, f"no tier node with code {node_code!r}")
    return node.path


async def customer_records(db: Database, viewer: Viewer, node_code: str | None) -> AsyncIterator[dict[str, Any]]:
    """Customers of the subtree (erased ones left out), in id order, BATCH rows per statement.

    Plain column rows (no ORM identities) and keyset paging keep memory constant; the
    current consents of a batch come in one more statement.
    """
    from schema.relay import to_global_id

    require(viewer, "customer.read")
    async with db.session(tenant_id=viewer.tenant_id) as session:
        path = await _subtree_path(session, viewer, node_code)
        last_id = -1
        while True:
            rows = (await session.execute(
                select(Customer.id, Customer.external_ref, TierNode.code, Customer.name, Customer.email,
                       Customer.phone, Customer.locale, Customer.tags, Customer.attributes,
                       Customer.created_at, Customer.updated_at)
                .join(TierNode, TierNode.id == Customer.node_id)
                .where(in_subtree(TierNode.path, path), Customer.erased_at.is_(None),
                       Customer.merged_into_id.is_(None), Customer.id > last_id)
                .order_by(Customer.id).limit(BATCH)
            )).all()
            consents = await current_consents(session, [r.id for r in rows])
            for r, states in zip(rows, consents, strict=True):
                yield {
                    "externalRef": r.external_ref, "node": r.code, "name": r.name, "email": r.email,
                    "phone": r.phone, "locale": r.locale, "tags": list(r.tags or []),
                    "attributes": r.attributes or {}, "id": to_global_id("Customer", r.id),
                    "createdAt": r.created_at.isoformat(), "updatedAt": r.updated_at.isoformat(),
                    **export_values(states),
                }
            if len(rows) < BATCH:
                return
            last_id = rows[-1].id


async def export_customers(db: Database, viewer: Viewer, out: TextIO, *, node_code: str | None, fmt: str) -> int:
    """Write the subtree's customers to `out` as CSV (with a header) or JSONL; return the count."""
    count = 0
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(EXPORT_COLUMNS)
    async for record in customer_records(db, viewer, node_code):
        if writer is not None:
            record["tags"] = TAG_SEPARATOR.join(record["tags"])
            record["attributes"] = orjson.dumps(record["attributes"]).decode() if record["attributes"] else ""
            writer.writerow("" if record[c] is None else str(record[c]).lower() if isinstance(record[c], bool)
                            else record[c] for c in EXPORT_COLUMNS)
        else:
            out.write(orjson.dumps(record).decode() + "\n")
        count += 1
    return count


async def export_one_customer(db: Database, viewer: Viewer, ref: str) -> str:
    """The GDPR access document of one customer (by global id or externalRef), as JSON text."""
    from resolvers.security.gdpr import export_customer
    from schema.relay import decode_id

    async with db.session(tenant_id=viewer.tenant_id) as session:
        customer_id = decode_id(ref, "Customer") or await session.scalar(
            select(Customer.id).where(Customer.external_ref == ref)
        )
        if customer_id is None:
            raise not_found(f"customer {ref!r}")
        document = await export_customer(session, viewer, customer_id=customer_id)
    return orjson.dumps(document, option=orjson.OPT_INDENT_2, default=str).decode()
