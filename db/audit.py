"""Audit trail by construction: every flushed change of an audited entity is recorded.

`before_flush` collects field changes per entity; db/uow.py writes them as
AuditEntry rows in the same transaction, so no mutation can skip its audit.
Bulk statements that bypass the unit of work call `record()` themselves.

Each row also records the tier node its entity belongs to (found through the
entity's node/store/scope column or its foreign keys), which scopes who may
read it. Audit rows are append-only: the ORM refuses to update or delete one
(PostgreSQL also has a trigger, db/rls.py), except inside `scrubbing()`, the
GDPR erasure's way to remove personal data from `changes`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Table, event, insert, inspect, text
from sqlalchemy.orm import Session

from db import crypto
from db.base import Base, TenantScoped, new_id, utcnow
from db.models.core import AuditEntry
from db.rls import AUDIT_SCRUB_SETTING
from db.session import CanopySession

_SKIP = {"tenant_id", "id", "created_at", "updated_at"}
MASK = "***"
# Columns that name the tier node an entity belongs to, most specific first.
NODE_COLUMNS = ("node_id", "store_id", "scope_node_id")


# Side data kept in the transaction's pending dict, so it ends with the transaction.
_NODES = ("__nodes__",)
_REDACT = ("__redact__",)
_UNDO = "audit_undo"  # session.info: undo journal while a row savepoint is open
_MISSING = object()


class AuditImmutableError(RuntimeError):
    pass


# Types json_safe returns as they are (checked by exact type first: it runs per audited value).
_PLAIN = frozenset({str, bool, float, type(None), list, dict})


def json_safe(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)  # ids exceed what a JSON number keeps exactly
    return value


def _pending(session: Session) -> dict[tuple[int, str, int], dict[str, list[Any]]] | None:
    return session.info.get("audit_pending")


def record(
    session: Session, *, tenant_id: int, entity_type: str, entity_id: int | None,
    changes: dict[str, list[Any]], node_id: int | None = None,
) -> None:
    """Merge changes made outside the ORM flush (bulk UPDATEs) into this transaction's audit."""
    pending = _pending(session)
    if pending is None:
        return
    undo = session.info.get(_UNDO)
    key = (tenant_id, entity_type, entity_id or 0)
    if node_id is not None:
        _set_node(pending, key, node_id, undo)
    entry = pending.get(key)
    if entry is None:
        entry = pending[key] = {}
        if undo is not None:
            undo.append(lambda k=key: pending.pop(k))
    for field, (before, after) in changes.items():
        pair = entry.get(field)
        if pair is not None:
            if undo is not None:
                undo.append(lambda p=pair, a=pair[1]: p.__setitem__(1, a))
            pair[1] = json_safe(after)
        else:
            entry[field] = [json_safe(before), json_safe(after)]
            if undo is not None:
                undo.append(lambda e=entry, f=field: e.pop(f))


def _set_node(pending: dict[Any, Any], key: Any, node_id: int, undo: list[Any] | None) -> None:
    if undo is not None:
        if _NODES not in pending:
            undo.append(lambda: pending.pop(_NODES))
        else:
            old = pending[_NODES].get(key, _MISSING)
            undo.append(lambda: pending[_NODES].pop(key) if old is _MISSING else pending[_NODES].__setitem__(key, old))
    pending.setdefault(_NODES, {})[key] = node_id


def _changes(obj: TenantScoped, kind: str, redact: bool = False) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIP:
            continue
        secret = _masked(attr.columns[0])
        if kind == "new":
            value = getattr(obj, key)
            if value is None or value == [] or value == {}:
                continue
            out[key] = [None, MASK if secret else value]
        elif kind == "deleted":
            out[key] = [MASK if secret else getattr(obj, key), None]
        else:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
            out[key] = [MASK, MASK] if secret else [MASK if redact else before, after]
    return out


def entity_type_of(obj: Any) -> str:
    """The GraphQL type name an entity (or model class) is audited under: its global id's type."""
    cls = obj if isinstance(obj, type) else type(obj)
    return getattr(cls, "__graphql_type__", cls.__name__)


@cache
def _class_of(table: Table) -> Any:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


def _node_of(session: Session, obj: Any, pending: dict[tuple[Any, ...], Any], hops: int = 3) -> int | None:
    """The tier node `obj` belongs to: itself, a node column, or (up to 3 hops) its parents'."""
    if obj.__tablename__ == "tier_node":
        return obj.id
    for column in NODE_COLUMNS:
        value = getattr(obj, column, None)
        if value is not None:
            return value
    if hops == 0:
        return None
    for fk in obj.__table__.foreign_key_constraints:
        names = [c.name for c in fk.columns]
        if len(names) != 2 or names[0] != "tenant_id" or getattr(obj, names[1], None) is None:
            continue
        target = _class_of(fk.referred_table)
        if target is None:
            continue
        ident = (obj.tenant_id, getattr(obj, names[1]))
        # Parents inserted in this same flush are not in the identity map yet.
        parent = pending.get((target, *ident)) or session.get(target, ident)
        if parent is not None and (node := _node_of(session, parent, pending, hops - 1)) is not None:
            return node
    return None


@event.listens_for(CanopySession, "do_orm_execute")
def _guard_bulk(state: Any) -> None:
    """Bulk UPDATE/DELETE statements on AuditEntry are refused like flushed changes."""
    writes = state.is_update or state.is_delete
    if writes and not state.session.info.get("audit_scrub") and any(
        m.class_ is AuditEntry for m in state.all_mappers
    ):
        raise AuditImmutableError("audit entries are append-only")


@event.listens_for(CanopySession, "before_flush")
def _guard(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("audit_scrub"):
        return
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditImmutableError("audit entries are append-only")


@event.listens_for(CanopySession, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    pending = _pending(session)
    if pending is None:
        return
    redacted = pending.get(_REDACT, set())
    new = {(type(o), o.tenant_id, o.id): o for o in session.new if isinstance(o, TenantScoped)}
    for kind, objs in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objs:
            if not isinstance(obj, TenantScoped) or not getattr(obj, "__audited__", False):
                continue
            if kind == "dirty" and not session.is_modified(obj):
                continue
            if obj.id is None:
                obj.id = new_id()
            entity_type = entity_type_of(obj)
            changes = _changes(obj, kind, redact=(entity_type, obj.id) in redacted)
            if kind == "deleted":
                changes["_deleted"] = [False, True]
            tenant_id = obj.tenant_id if obj.tenant_id is not None else session.info["tenant_id"]
            record(session, tenant_id=tenant_id, entity_type=entity_type, entity_id=obj.id,
                   changes=changes, node_id=_node_of(session, obj, new))


def snapshot(session: Session) -> int | None:
    """A mark to `restore` this transaction's collected changes to (a savepoint's rollback).

    From the first mark on, every change to the collection also journals its undo,
    so a row's savepoint costs what the row changed, not what the batch collected.
    """
    if _pending(session) is None:
        return None
    return len(session.info.setdefault(_UNDO, []))


def restore(session: Session, mark: int | None) -> None:
    """Undo what was collected since `mark`."""
    undo = session.info.get(_UNDO)
    if mark is None or undo is None:
        return
    while len(undo) > mark:
        undo.pop()()


def release(session: Session, mark: int | None) -> None:
    """The savepoint of `mark` succeeded; the outermost one stops the journal."""
    if mark == 0:
        session.info.pop(_UNDO, None)


def redact_before(session: Session, entity_type: str, entity_id: int) -> None:
    """This transaction audits the entity's new values but masks its old ones (erasure)."""
    pending = _pending(session)
    if pending is None:
        return
    undo, item = session.info.get(_UNDO), (entity_type, entity_id)
    if undo is not None:
        if _REDACT not in pending:
            undo.append(lambda: pending.pop(_REDACT))
        elif item not in pending[_REDACT]:
            undo.append(lambda: pending[_REDACT].discard(item))
    pending.setdefault(_REDACT, set()).add(item)


@contextmanager
def scrubbing(session: Session, customer_id: int) -> Iterator[None]:
    """Allow this transaction to rewrite values in audit `changes` (GDPR erasure of
    `customer_id`, nothing else).

    Sets the transaction-local setting the PostgreSQL trigger honours (db/rls.py);
    it ends with the transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config(:k, :v, true)"), {"k": AUDIT_SCRUB_SETTING, "v": str(customer_id)})
    session.info["audit_scrub"] = True
    try:
        yield
    finally:
        session.info.pop("audit_scrub", None)


def new_changes(cls: type, values: dict[str, Any]) -> dict[str, list[Any]]:
    """What `before_flush` records for a new `cls` object holding `values`, for rows inserted with Core."""
    out: dict[str, list[Any]] = {}
    encrypting = crypto.active() is not None
    for key, secret, encrypted in _audited_columns(cls):
        secret = secret or (encrypted and encrypting)
        value = values.get(key)
        if value is None or value == [] or value == {}:
            continue
        out[key] = [None, MASK if secret else json_safe(value)]
    return out


def record_new(
    session: Session, cls: type, values: dict[str, Any], *, tenant_id: int, node_id: int | None = None,
) -> None:
    """`record()` of a `cls` row inserted with Core, as if it had been flushed (values["id"] is its id)."""
    pending = _pending(session)
    if pending is None:
        return
    key = (tenant_id, entity_type_of(cls), values["id"])
    changes = new_changes(cls, values)
    if key in pending:  # not expected (ids are new), but merge like record() would
        record(session, tenant_id=tenant_id, entity_type=key[1], entity_id=key[2], changes=changes, node_id=node_id)
        return
    pending[key] = changes
    undo = session.info.get(_UNDO)
    if undo is not None:
        undo.append(lambda: pending.pop(key))
    if node_id is not None:
        _set_node(pending, key, node_id, undo)


@cache
def _audited_columns(cls: type) -> tuple[tuple[str, bool, bool], ...]:
    """(attribute, secret, encrypted) in mapper order, as `_changes` walks them."""
    return tuple(
        (attr.key, bool(attr.columns[0].info.get("secret", False)), _sealed(attr.columns[0]))
        for attr in inspect(cls).column_attrs if attr.key not in _SKIP
    )


def _sealed(column: Any) -> bool:
    """Encrypted, or derived from encrypted values (search_text holds the email, email_key its mailbox)."""
    return crypto.is_encrypted(column) or bool(column.info.get("derived", False))


def _masked(column: Any) -> bool:
    """Secrets are never audited by value; nor are encrypted columns while encryption is on
    (the audit trail is append-only: it could neither hold their plaintext nor be re-encrypted)."""
    return bool(column.info.get("secret", False)) or (_sealed(column) and crypto.active() is not None)


_ROWS = "audit_rows"
_DRY = "audit_dry_run"


def dry_run(session: Session) -> None:
    """This operation changes nothing (a dry run): no audit row at all, not even the blank one."""
    session.info[_DRY] = True


def flush_entries(session: Session) -> int:
    """Turn the collected changes into audit rows; at least one per operation.

    The rows are inserted by one executemany when the transaction commits
    (`_insert_rows`): building an AuditEntry object per row, and flushing it,
    cost more than the rest of a bulk import.
    """
    pending = _pending(session) or {}
    info = session.info
    nodes = pending.pop(_NODES, {})
    pending.pop(_REDACT, None)
    actor_id, request_id = info.get("actor_id"), info.get("request_id")
    operation = info.get("operation", "unknown")
    rows = [
        {
            "tenant_id": tenant_id, "id": new_id(), "actor_id": actor_id, "operation": operation,
            "entity_type": entity_type, "entity_id": entity_id or None,
            "node_id": nodes.get((tenant_id, entity_type, entity_id)), "changes": changes,
            "request_id": request_id, "at": utcnow(),
        }
        for (tenant_id, entity_type, entity_id), changes in pending.items()
    ]
    dry = info.pop(_DRY, False)
    if not rows and info.get("tenant_id") is not None and operation != "system" and not dry:
        rows.append({
            "tenant_id": info["tenant_id"], "id": new_id(), "actor_id": actor_id, "operation": operation,
            "entity_type": None, "entity_id": None, "node_id": None, "changes": {},
            "request_id": request_id, "at": utcnow(),
        })
    if rows:
        info.setdefault(_ROWS, []).extend(rows)
    pending.clear()
    info.pop(_UNDO, None)
    return len(rows)


@event.listens_for(CanopySession, "before_commit")
def _insert_rows(session: Session) -> None:
    # Runs inside the commit, so also inside the async session's greenlet: it may do IO.
    rows = session.info.pop(_ROWS, None)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


@event.listens_for(CanopySession, "after_soft_rollback")
def _forget_rows(session: Session, previous: Any) -> None:
    if previous.parent is None:  # the transaction, not a savepoint within it
        session.info.pop(_ROWS, None)
