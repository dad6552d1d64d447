"""The CLI's identity commands: duplicate candidates of a subtree, merges from a CSV of pairs.

Both go through the services the API uses (resolvers/customers/duplicates.py, merge.py);
each CSV row is one merge in its own unit of work, so one bad row stops no other.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.models.customers import Customer
from db.session import Database
from db.uow import unit_of_work
from resolvers.bulk.export import _subtree_path
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.common.paging import Window, page_statement
from resolvers.common.viewer import Viewer
from resolvers.customers import duplicates
from resolvers.customers.merge import MergeOutcome, merge_customers

SURVIVOR, MERGED = "survivor", "merged"


@dataclass
class Candidate:
    score: float
    reasons: list[str]
    customers: list[Customer]


async def candidates(db: Database, viewer: Viewer, node_code: str | None, limit: int) -> list[Candidate]:
    """The best `limit` pairs of the subtree (one statement for the pairs, one for their customers)."""
    async with db.session(tenant_id=viewer.tenant_id) as session:
        path = await _subtree_path(session, viewer, node_code)
        stmt, order = duplicates.candidates_query(viewer, duplicates.dialect_of(session), path)
        rows = [duplicates.pair_of(r) for r in (await session.execute(
            page_statement(stmt, order, Window(size=limit)))).all()][:limit]
        ids = {i for r in rows for i in (r.low, r.high)}
        found = {c.id: c for c in (await session.scalars(select(Customer).where(Customer.id.in_(ids)))).all()} if ids else {}
    return [Candidate(r.score / 1000, r.reasons, [found[r.low], found[r.high]]) for r in rows]


async def _customer_id(db: Database, viewer: Viewer, ref: str) -> int | None:
    from schema.relay import decode_id

    pk = decode_id(ref, "Customer")
    if pk is not None:
        return pk
    async with db.session(tenant_id=viewer.tenant_id) as session:
        return await session.scalar(select(Customer.id).where(Customer.external_ref == ref))


@dataclass
class MergeLine:
    line: int
    outcome: MergeOutcome | None = None
    error: str | None = None


async def merge_file(db: Database, viewer: Viewer, path: Path, *, dry_run: bool) -> AsyncIterator[MergeLine]:
    """Each row `survivor,merged` (a global id or an externalRef each) merged, or dry-run, in turn."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or {SURVIVOR, MERGED} - set(reader.fieldnames):
            raise DomainError(ErrorCode.INVALID, f"{path}: the header must name the columns {SURVIVOR},{MERGED}")
        for row in reader:
            line = reader.line_num
            ids = [await _customer_id(db, viewer, (row.get(k) or "").strip()) for k in (SURVIVOR, MERGED)]
            try:
                async with db.session(tenant_id=viewer.tenant_id) as session:
                    async with unit_of_work(session, operation="mergeCustomers"):
                        result = await merge_customers(session, viewer, survivor_id=ids[0], merged_ids=[ids[1]],
                                                       dry_run=dry_run)
                yield MergeLine(line, outcome=result.outcome)
            except DomainError as exc:
                yield MergeLine(line, error="; ".join(_problem(p) for p in exc.problems))


def _problem(p: Any) -> str:
    where = {"survivorId": SURVIVOR, "mergedIds": MERGED}.get(p.field[0], p.field[0]) if p.field else None
    return f"{where}: {p.message}" if where else p.message
