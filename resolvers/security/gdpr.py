"""GDPR: everything held about a customer (access), and erasure of their personal data.

Both are generic over the metadata, so tables that later domains add are
covered without touching this module: both follow every foreign key that leads
back to the customer (`Records`); the erasure searches every text and JSON column
of those records, their audit entries and events for every name, email, phone and
external ref the customer ever had (taken from their audit trail), docs/security.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import phonenumbers
from sqlalchemy import JSON, Enum, String, Text, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db import crypto
from db.audit import MASK, entity_type_of, json_safe, record, redact_before, scrubbing
from db.base import Base, TenantScoped, utcnow
from db.models.core import AuditEntry, Event
from db.models.customers import Customer
from db.models.tree import TierNode
from db.outbox import emit
from resolvers.common.errors import not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import search_text

ERASED_NAME = "Erased customer"
# Customer fields that describe the person: the pii-flagged columns (name, email, phone and
# search_text, which concatenates them) and what else a caller may write about them.
PERSONAL_FIELDS = frozenset(
    {c.key for c in Customer.__mapper__.column_attrs if c.columns[0].info.get("pii")}
    | {"external_ref", "attributes", "tags"}
)
# Whose every value, past and present, is searched for in free text.
IDENTIFYING_FIELDS = ("name", "email", "phone", "external_ref")
ERASED = "[erased]"
MIN_NEEDLE = 3  # shorter values would scrub unrelated text everywhere


def tenant_classes() -> list[Any]:
    return sorted(
        (m.class_ for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)),
        key=lambda c: c.__tablename__,
    )


def row_dict(obj: Any) -> dict[str, Any]:
    """A row as JSON-safe values, secrets left out."""
    return {
        attr.key: json_safe(getattr(obj, attr.key))
        for attr in obj.__mapper__.column_attrs
        if not attr.columns[0].info.get("secret")
    }


async def _customer_in_scope(session: AsyncSession, viewer: Viewer, customer_id: int) -> Customer:
    customer = await session.get(Customer, (viewer.tenant_id, customer_id))
    node = await session.get(TierNode, (viewer.tenant_id, customer.node_id)) if customer else None
    if customer is None or node is None or not viewer.in_scope(node.path):
        raise not_found("customer")
    return customer


def _references(cls: Any, held: dict[str, set[int]]) -> list[Any]:
    """Conditions selecting rows of `cls` that point at rows already held."""
    conditions = []
    for fk in cls.__table__.foreign_key_constraints:
        names = [c.name for c in fk.columns]
        target = fk.referred_table.name
        if len(names) == 2 and names[0] == "tenant_id" and held.get(target):
            conditions.append(getattr(cls, names[1]).in_(held[target]))
    if "customer_id" in cls.__table__.c and held.get("customer"):
        conditions.append(cls.customer_id.in_(held["customer"]))
    return conditions


class Records:
    """The customer's own records: every row referring to it (transitively), and the
    audit entries and events about any of them."""

    def __init__(self, session: Session, customer: Customer) -> None:
        held: dict[str, set[int]] = {"customer": {customer.id}}
        self.tables: dict[str, list[Any]] = {}
        self.entities: set[tuple[str, int]] = {(entity_type_of(customer), customer.id)}
        skip = {Customer, AuditEntry, Event}
        grew = True
        while grew:  # rows of rows of the customer (order lines of their orders...), to a fixed point
            grew = False
            for cls in tenant_classes():
                if cls in skip or not (conditions := _references(cls, held)):
                    continue
                rows = session.scalars(select(cls).where(or_(*conditions))).all()
                new = [r for r in rows if r.id not in held.setdefault(cls.__tablename__, set())]
                if new:
                    grew = True
                    held[cls.__tablename__].update(r.id for r in new)
                    self.tables.setdefault(cls.__tablename__, []).extend(new)
                    self.entities.update((entity_type_of(r), r.id) for r in new)
        ids = {i for _, i in self.entities}
        audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id.in_(ids)).order_by(AuditEntry.id))
        events = session.scalars(select(Event).where(Event.subject_id.in_(ids)).order_by(Event.seq))
        self.audit = [a for a in audit if (a.entity_type, a.entity_id) in self.entities]
        self.events = [e for e in events if (e.subject_type, e.subject_id) in self.entities]


async def export_customer(session: AsyncSession, viewer: Viewer, *, customer_id: int) -> dict[str, Any]:
    """Every row that refers to the customer (transitively), its audit trail and its events."""
    require(viewer, "customer.export")
    customer = await _customer_in_scope(session, viewer, customer_id)
    document = await _document(session, customer)
    # Customers merged into this one are the same person: their tombstones and trails too.
    document["mergedCustomers"] = [await _document(session, c) for c in await _tombstones(session, customer)]
    return {**document, "exportedAt": utcnow().isoformat()}


async def _document(session: AsyncSession, customer: Customer) -> dict[str, Any]:
    records = await session.run_sync(lambda s: Records(s, customer))
    return {
        "customer": row_dict(customer),
        "related": {table: [row_dict(r) for r in rows] for table, rows in records.tables.items()},
        "auditTrail": [row_dict(a) for a in records.audit],
        "events": [row_dict(e) for e in records.events],
    }


async def _tombstones(session: AsyncSession, customer: Customer) -> list[Customer]:
    """The customers merged into `customer` (resolvers/customers/merge.py)."""
    return list((await session.scalars(
        select(Customer).where(Customer.merged_into_id == customer.id).order_by(Customer.id))).all())



def _text_columns(cls: Any) -> list[Any]:
    """Mapped attributes holding text or JSON where personal data could hide."""
    out = []
    for attr in cls.__mapper__.column_attrs:
        column = attr.columns[0]
        kind = column.type
        if column.info.get("secret") or isinstance(kind, Enum):
            continue
        if isinstance(kind, String | Text | JSON) or crypto.is_encrypted(column):
            out.append(getattr(cls, attr.key))
    return out


def _replace(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_replace(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_replace(k, pattern): _replace(v, pattern) for k, v in value.items()}
    return value


def _mask_personal(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        k: [None if v is None else MASK for v in pair] if k in PERSONAL_FIELDS and isinstance(pair, list) else pair
        for k, pair in changes.items()
    }


def historic_values(entries: Iterable[AuditEntry]) -> set[str]:
    """Every value the customer's identifying fields ever had, as their audit trail recorded them."""
    out: set[str] = set()
    for entry in entries:
        for field in IDENTIFYING_FIELDS:
            pair = (entry.changes or {}).get(field)
            if isinstance(pair, list):
                out.update(v for v in pair if isinstance(v, str) and v != MASK)
    return out


def _written_forms(value: str) -> set[str]:
    """The value and, for an E.164 phone, the ways people write it in text."""
    if not value.startswith("+"):
        return {value}
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return {value}
    formats = (phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL)
    forms = {phonenumbers.format_number(number, f) for f in formats}
    return {value, *forms, *(f.replace(" ", "") for f in forms)}


def scrub(session: Session, *, customer: Customer, needles: Iterable[str]) -> dict[str, int]:
    """Mask the customer's audit values and replace every value they ever had in the text
    and JSON columns of their own records; return how many audit entries and rows changed."""
    records = Records(session, customer)
    key = (entity_type_of(customer), customer.id)
    own = [a for a in records.audit if (a.entity_type, a.entity_id) == key]
    values = {*needles, *historic_values(own)}
    needles = [f for v in values for f in _written_forms(v) if len(f.strip()) >= MIN_NEEDLE]
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)), re.I)
    rows = [customer, *(r for rows in records.tables.values() for r in rows), *records.events]
    counts = {"auditEntries": 0, "rows": 0}
    with scrubbing(session, customer.id):
        for entry in records.audit:
            # The customer's own entries lose every personal value; field names stay in
            # all of them: the fact of the change is kept.
            before = entry.changes or {}
            after = _mask_personal(before) if (entry.entity_type, entry.entity_id) == key else before
            if needles:
                after = {k: _replace(v, pattern) for k, v in after.items()}
            if after != before:
                entry.changes = after
                counts["auditEntries"] += 1
        for obj in rows if needles else ():
            touched = False
            for column in _text_columns(type(obj)):
                before = getattr(obj, column.key)
                after = _replace(before, pattern)
                if after != before:
                    setattr(obj, column.key, after)
                    touched = True
            if touched:
                if getattr(obj, "__audited__", False):
                    redact_before(session, entity_type_of(obj), obj.id)
                counts["rows"] += 1
        session.flush()
    return counts


async def _delete_erased(session: AsyncSession, customer_id: int) -> dict[str, int]:
    """Rows of tables marked `__erased__` (consent statements) go with the person, after the
    scrub has masked their audit entries; how many per table."""
    out = {}
    for cls in tenant_classes():
        if getattr(cls, "__erased__", False):
            result = await session.execute(delete(cls).where(cls.customer_id == customer_id))
            out[cls.__tablename__] = result.rowcount or 0
    return out


async def erase_customer(session: AsyncSession, viewer: Viewer, *, customer_id: int) -> Customer:
    """Remove the customer's personal data everywhere; their orders and totals stay, anonymous."""
    require(viewer, "customer.erase")
    customer = await _customer_in_scope(session, viewer, customer_id)
    # The tombstones of customers merged into this one hold the same person's data: erased too,
    # wherever they were (the merge made them part of this customer).
    # Their values are searched for in this customer's records too (which now hold theirs).
    tombstones = await _tombstones(session, customer)
    theirs = [v for t in tombstones for v in _identifying(t)]
    for tombstone in tombstones:
        await _erase(session, tombstone)
    return await _erase(session, customer, theirs)


def _identifying(customer: Customer) -> list[str]:
    return [v for v in (customer.name, customer.email, customer.phone, customer.external_ref) if v]


async def _erase(session: AsyncSession, customer: Customer, also: Sequence[str] = ()) -> Customer:
    if customer.erased_at is not None:
        return customer
    needles = [*_identifying(customer), *also]
    redact_before(session.sync_session, entity_type_of(customer), customer.id)
    customer.name = ERASED_NAME
    customer.email = customer.phone = customer.external_ref = None
    customer.attributes = {}
    customer.tags = []
    customer.search_text = search_text(customer)
    # An erased customer is nobody's duplicate, and no lookup finds it.
    customer.email_key = customer.name_key = customer.email_bidx = customer.phone_bidx = None
    customer.erased_at = utcnow()
    await session.flush()
    counts = await session.run_sync(lambda s: scrub(s, customer=customer, needles=needles))
    counts["deleted"] = await _delete_erased(session, customer.id)
    # The rewrite of append-only audit rows is itself audited, on the erasure's own entry.
    record(session.sync_session, tenant_id=customer.tenant_id, entity_type=entity_type_of(customer),
           entity_id=customer.id, changes={"_erasure": [None, counts]})
    emit(session, "CUSTOMER_ERASED", subject=customer, node_id=customer.node_id, data={})
    return customer
