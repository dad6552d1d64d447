"""Bulk import: rows from CSV or JSONL, checked by the domain's own validators, written in batches.

Each batch of rows is one unit of work (audit rows and events like the API). A
row is all or nothing: specs validate every row before writing any, and when a
batch still fails in the database (a constraint, a concurrent writer) it is
retried row by row so that only the offending rows are rejected.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.core import Role, Tenant
from db.models.tree import TierNode
from db.session import Database
from db.uow import unit_of_work
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.common.viewer import Viewer


@dataclass(frozen=True)
class SourceRow:
    line: int  # where the record starts in the file, 1-based (the CSV header is line 1)
    values: dict[str, Any]  # column -> value; a column absent from the file is absent here
    # A later row of the file names the same record (spec.key_of): this one is validated and
    # carried into it rather than written, so the file's net change is written once.
    later: bool = False


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    code: str
    reason: str


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"  # valid, carried into a later row of the same record


class Rejected(list[RowError]):
    """A rejected last row of a record whose earlier rows were carried: those are written
    without it, and the first of them counts as `carried` instead of superseded."""

    def __init__(self, errors: list[RowError], carried: Outcome) -> None:
        super().__init__(errors)
        self.carried = carried


RowResult = Outcome | list[RowError]
WRITES = (Outcome.CREATED, Outcome.UPDATED)


class ImportSpec(Protocol):
    """What one kind of row needs: its columns and how a batch is validated and written."""

    operation: str  # the audit operation, e.g. "importCustomers"
    columns: frozenset[str]  # accepted columns
    ignored: frozenset[str]  # read-only columns of our own exports, skipped

    def key_of(self, values: dict[str, Any]) -> str | None:
        """Which record a row names (its upsert key), for finding repeats; None: no key."""
        ...

    async def run(
        self, session: AsyncSession, viewer: Viewer, rows: Sequence[SourceRow], *, write: bool
    ) -> list[RowResult]:
        """Validate all rows, then (when `write`) write the valid ones; one result per row."""
        ...


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        self.rows += 1
        if isinstance(result, Outcome):
            setattr(self, result.value, getattr(self, result.value) + 1)
        else:
            self.rejected += 1
            if isinstance(result, Rejected):  # an earlier row took its place after all
                self.superseded -= 1
                setattr(self, result.carried.value, getattr(self, result.carried.value) + 1)


def errors_of(exc: DomainError, line: int, column_of: Callable[[tuple[str, ...] | None], str | None]) -> list[RowError]:
    """A domain error's problems as row errors; `column_of` maps an input field path to a column."""
    return [RowError(line, column_of(p.field), p.code.value, p.message) for p in exc.problems]


# ---------- reading files ----------

def detect_format(path: Path) -> str:
    """"csv" or "jsonl": by extension, else by the first character (a JSON object or not)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if head.startswith(b"{") else "csv"


def read_rows(path: Path, spec: ImportSpec, fmt: str | None = None) -> Iterator[SourceRow | RowError]:
    """The file's records, streamed; malformed records come out as RowErrors.

    A first pass finds the keys the file repeats (memory: the set of its keys, then the last
    line of each repeated one), so that each row knows whether a later one names its record.
    """
    fmt = fmt or detect_format(path)
    read = _read_jsonl if fmt == "jsonl" else _read_csv
    seen: set[str] = set()
    last: dict[str, int] = {}
    for record in read(path, spec):
        if isinstance(record, SourceRow) and (key := spec.key_of(record.values)) is not None:
            if key in seen:
                last[key] = record.line
            else:
                seen.add(key)
    seen.clear()
    for record in read(path, spec):
        if last and isinstance(record, SourceRow):
            key = spec.key_of(record.values)
            if key is not None and last.get(key, 0) > record.line:
                record = SourceRow(record.line, record.values, later=True)
        yield record


def _read_csv(path: Path, spec: ImportSpec) -> Iterator[SourceRow | RowError]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise DomainError(ErrorCode.INVALID, f"{path.name} is empty: a CSV file needs a header")
        names = [h.strip() for h in header]
        unknown = [n for n in names if n not in spec.columns and n not in spec.ignored]
        if unknown:
            raise DomainError(ErrorCode.INVALID, f"unknown column {unknown[0]!r} in the header of {path.name}")
        if len(set(names)) != len(names):
            raise DomainError(ErrorCode.INVALID, f"a column appears twice in the header of {path.name}")
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte: this record is lost, the next ones are not
                line, start = start, reader.line_num + 1
                yield RowError(line, None, "INVALID", f"unreadable CSV: {exc}")
                continue
            line, start = start, reader.line_num + 1
            if not record or record == [""]:
                continue
            if len(record) != len(names):
                yield RowError(line, None, "INVALID", f"expected {len(names)} fields, found {len(record)}")
                continue
            # An empty CSV field clears the value: the file states the whole row.
            yield SourceRow(line, {
                n: (v if v != "" else None) for n, v in zip(names, record, strict=True) if n not in spec.ignored
            })


def _read_jsonl(path: Path, spec: ImportSpec) -> Iterator[SourceRow | RowError]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if not raw.strip():
                continue
            try:
                values = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield RowError(number, None, "INVALID", f"not valid JSON: {exc}")
                continue
            if not isinstance(values, dict):
                yield RowError(number, None, "INVALID", "each line must be a JSON object")
                continue
            unknown = [k for k in values if k not in spec.columns and k not in spec.ignored]
            if unknown:
                yield RowError(number, unknown[0], "INVALID", "unknown field")
                continue
            yield SourceRow(number, {k: v for k, v in values.items() if k not in spec.ignored})


def write_errors(path: Path, errors: Iterable[RowError]) -> None:
    """The error file: one line per problem (line, column, code, reason)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["line", "column", "code", "reason"])
        out.writerows([e.line, e.column or "", e.code, e.reason] for e in errors)


# ---------- running ----------

async def system_viewer(db: Database, tenant_slug: str | None) -> Viewer:
    """An ADMIN over the tenant's whole tree with no staff behind it (audit actor: none)."""
    async with db.session(all_tenants=True) as session:
        stmt = select(Tenant)
        if tenant_slug:
            stmt = stmt.where(Tenant.slug == tenant_slug)
        tenants = (await session.scalars(stmt.limit(2))).all()
        if not tenants:
            raise DomainError(ErrorCode.NOT_FOUND, f"no tenant {tenant_slug!r}" if tenant_slug else "no tenant yet")
        if len(tenants) > 1:
            raise DomainError(ErrorCode.INVALID, "there are several tenants: give --tenant SLUG (or set CANOPY_TENANT)")
        tenant = tenants[0]
        root = await session.scalar(
            select(TierNode).where(TierNode.tenant_id == tenant.id, TierNode.parent_id.is_(None))
        )
    assert root is not None
    return Viewer(
        staff_id=0, tenant_id=tenant.id, role=Role.ADMIN, scope_node_id=root.id,
        scope_path=root.path, name="import", reporting_currency=tenant.reporting_currency,
    )


class _NothingToWrite(Exception):
    """Rolls back a batch that changed nothing, so it leaves no audit row behind."""

    def __init__(self, results: list[RowResult]) -> None:
        self.results = results


async def run_import(
    db: Database, viewer: Viewer, spec: ImportSpec, source: Iterable[SourceRow | RowError], *,
    dry_run: bool = False, batch_size: int = 500,
    on_progress: Callable[[int], None] = lambda n: None,
) -> Summary:
    """Import `source` in batches; re-running the same rows changes nothing."""
    summary = Summary()
    records = iter(source)
    while batch := list(islice(records, batch_size)):
        rows = [r for r in batch if isinstance(r, SourceRow)]
        results = await _run_batch(db, viewer, spec, rows, dry_run) if rows else []
        by_line = dict(zip((r.line for r in rows), results, strict=True))
        for record in batch:
            result = [record] if isinstance(record, RowError) else by_line[record.line]
            summary.add(result)
            if not isinstance(result, Outcome):
                summary.errors.extend(result)
        on_progress(len(batch))
    return summary


async def _run_batch(
    db: Database, viewer: Viewer, spec: ImportSpec, rows: list[SourceRow], dry_run: bool,
) -> list[RowResult]:
    if dry_run:
        async with db.session(tenant_id=viewer.tenant_id) as session:
            return await spec.run(session, viewer, rows, write=False)
    try:
        async with db.session(tenant_id=viewer.tenant_id) as session:
            async with unit_of_work(session, operation=spec.operation):
                results = await spec.run(session, viewer, rows, write=True)
                if not any(r in WRITES or (isinstance(r, Rejected) and r.carried in WRITES) for r in results):
                    raise _NothingToWrite(results)
        return results
    except _NothingToWrite as done:
        return done.results
    except DBAPIError as exc:
        if len(rows) == 1:
            reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            return [[RowError(rows[0].line, None, "CONFLICT", f"rejected by the database: {reason}")]]
        # Find the offending rows: every other row still gets in.
        return [r for row in rows for r in await _run_batch(db, viewer, spec, [row], dry_run)]
