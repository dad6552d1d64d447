"""Audit trail by construction: every flushed change of an audited entity is recorded.

`before_flush` collects field changes per entity; db/uow.py writes them as
AuditEntry rows in the same transaction, so no mutation can skip its audit.
Bulk statements that bypass the unit of work call `record()` themselves.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from db.base import TenantScoped, new_id
from db.models.core import AuditEntry
from db.session import CanopySession

_SKIP = {"tenant_id", "id", "created_at", "updated_at"}
MASK = "***"


def json_safe(value: Any) -> Any:
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
    changes: dict[str, list[Any]],
) -> None:
    """Merge changes made outside the ORM flush (bulk UPDATEs) into this transaction's audit."""
    pending = _pending(session)
    if pending is None:
        return
    entry = pending.setdefault((tenant_id, entity_type, entity_id or 0), {})
    for key, (before, after) in changes.items():
        if key in entry:
            entry[key][1] = json_safe(after)
        else:
            entry[key] = [json_safe(before), json_safe(after)]


def _changes(obj: TenantScoped, kind: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIP:
            continue
        secret = attr.columns[0].info.get("secret", False)
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
            out[key] = [MASK, MASK] if secret else [before, after]
    return out


@event.listens_for(CanopySession, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    if _pending(session) is None:
        return
    for kind, objs in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):
        for obj in objs:
            if not isinstance(obj, TenantScoped) or not getattr(obj, "__audited__", False):
                continue
            if kind == "dirty" and not session.is_modified(obj):
                continue
            if obj.id is None:
                obj.id = new_id()
            changes = _changes(obj, kind)
            if kind == "deleted":
                changes["_deleted"] = [False, True]
            tenant_id = obj.tenant_id if obj.tenant_id is not None else session.info["tenant_id"]
            record(session, tenant_id=tenant_id, entity_type=type(obj).__name__,
                   entity_id=obj.id, changes=changes)


def flush_entries(session: Session) -> int:
    """Turn the collected changes into AuditEntry rows; at least one per operation."""
    pending = _pending(session) or {}
    info = session.info
    rows = [
        AuditEntry(
            tenant_id=tenant_id,
            actor_id=info.get("actor_id"),
            operation=info.get("operation", "unknown"),
            entity_type=entity_type,
            entity_id=entity_id or None,
            changes=changes,
            request_id=info.get("request_id"),
        )
        for (tenant_id, entity_type, entity_id), changes in pending.items()
    ]
    if not rows and info.get("tenant_id") is not None and info.get("operation") != "system":
        rows.append(
            AuditEntry(
                tenant_id=info["tenant_id"], actor_id=info.get("actor_id"),
                operation=info.get("operation", "unknown"), entity_type=None, entity_id=None,
                changes={}, request_id=info.get("request_id"),
            )
        )
    session.add_all(rows)
    pending.clear()
    return len(rows)
