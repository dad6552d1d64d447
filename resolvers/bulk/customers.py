"""Customer rows for `canopy import customers`: by global id (`id`, as exported) or upsert by
externalRef, node by code.

Values are checked by resolvers/customers.py's own validator; this module only
looks up a whole batch at once (4 statements) instead of row by row. Rows naming the same
customer are applied as one: each is validated, the earlier ones are carried into the last
(its columns over theirs), so a file's net change is what is written and compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import email_validator
import orjson
from sqlalchemy import delete, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.audit import entity_type_of
from db.base import new_id, utcnow
from db.models.customers import Customer, CustomerTag
from db.models.tree import TierNode
from db.outbox import emit
from resolvers.bulk.consents import CONSENT_COLUMNS, consent_values
from resolvers.bulk.importer import Outcome, Rejected, RowError, RowResult, SourceRow, errors_of
from resolvers.common.errors import DomainError, ErrorCode, Problems
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.consent.consents import record_many
from resolvers.customers.customers import EDITABLE, clean_values, search_text
from resolvers.customers.identity import set_keys
from resolvers.customers.queries import survivors_of
from resolvers.tree.settings import NodeSettingsValues, effective_settings, region_of

# File column -> Customer attribute; the same names as the GraphQL input.
COLUMNS = {
    "externalRef": "external_ref", "node": "node_id", "name": "name", "email": "email",
    "phone": "phone", "locale": "locale", "tags": "tags", "attributes": "attributes", "id": "id",
}
EXPORT_ONLY = frozenset({"createdAt", "updatedAt"})
_FIELD_TO_COLUMN = {"nodeId": "node", "external_ref": "externalRef", **{c: c for c in COLUMNS}}
TAG_SEPARATOR = ";"


def _column_of(path: tuple[str, ...] | None) -> str | None:
    return _FIELD_TO_COLUMN.get(path[0]) if path else None


def _parse(row: SourceRow) -> dict[str, Any]:
    """File values as the validator's input: tags a list, attributes an object."""
    out: dict[str, Any] = {}
    problems = Problems()
    for column, value in row.values.items():
        key = COLUMNS[column]
        if key == "tags" and isinstance(value, str):
            value = [t for t in value.split(TAG_SEPARATOR) if t.strip()]
        elif key == "tags" and value is None:
            value = []
        elif key == "tags" and not (isinstance(value, list) and all(isinstance(t, str) for t in value)):
            problems.add(ErrorCode.INVALID, "tags must be a list of strings", "tags")
        elif key == "attributes" and isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                problems.add(ErrorCode.INVALID, "attributes must be a JSON object", "attributes")
        elif key == "attributes" and value is None:
            value = {}
        elif key not in ("tags", "attributes") and value is not None and not isinstance(value, str):
            value = str(value)
        out[key] = value
    problems.raise_if_any()
    return out


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value).strip()


def record_key(values: dict[str, Any]) -> str | None:
    """The customer a row names: its global id when given, else its externalRef."""
    if gid := _text(values.get("id")):
        return "id:" + gid
    return "ref:" + ref if (ref := _text(values.get("externalRef"))) else None


class CustomerImport:
    operation = "importCustomers"
    columns = frozenset(COLUMNS) | frozenset(CONSENT_COLUMNS)
    ignored = EXPORT_ONLY

    def __init__(self) -> None:
        # A dry run commits nothing, so a later batch would not find the customers an
        # earlier one "created": it remembers them, and a repeated ref counts once.
        self.would_create: dict[str, _New] = {}
        # Rows carried into a later row naming the same customer: record key -> line -> values.
        self.carried: dict[str, dict[int, dict[str, Any]]] = {}

    def key_of(self, values: dict[str, Any]) -> str | None:
        return record_key(values)

    async def run(
        self, session: AsyncSession, viewer: Viewer, rows: Sequence[SourceRow], *, write: bool
    ) -> list[RowResult]:
        require(viewer, "customer.write")
        parsed: list[dict[str, Any] | list[RowError]] = []
        stated = []  # the consent columns of each row (resolvers/bulk/consents.py)
        for row in rows:
            given: dict[Any, bool] = {}
            try:
                given = consent_values(row.values)
                parsed.append(_parse(SourceRow(row.line, {k: v for k, v in row.values.items() if k not in CONSENT_COLUMNS})))
            except DomainError as exc:
                parsed.append(errors_of(exc, row.line, lambda p: _column_of(p) or (p[0] if p else None)))
            stated.append(given)
        keys = {record_key(row.values) for row in rows}
        batch = await _Batch.load(session, [p for p in parsed if isinstance(p, dict)],
                                  {} if write else self.would_create, self.carried, keys)
        results: list[RowResult] = []
        for row, values in zip(rows, parsed, strict=True):
            if not isinstance(values, list):
                try:
                    results.append(batch.upsert(session, viewer, values, row, write=write))
                    continue
                except DomainError as exc:
                    values = errors_of(exc, row.line, _column_of)
            results.append(batch.without(session, viewer, row, values, write=write))
        if write:
            await session.flush()  # updates of existing customers (audited by the flush)
            await batch.insert_new(session, viewer.tenant_id)
            await batch.sync_tags(session, viewer.tenant_id)
            consents = [
                (customer, key, value)
                for row, result, given in zip(rows, results, stated, strict=True)
                if given and not isinstance(result, list) and (customer := batch.customer_of(row.values)) is not None
                for key, value in given.items()
            ]
            await record_many(session, viewer, consents, source="import")
        else:
            self.would_create.update((r, c) for r, c in batch.known.items() if isinstance(c, _New))
        return results


# Addresses validate_email accepts unchanged but for case (plain ASCII dot-atoms under an
# LDH domain with an alphabetic TLD): they skip its ~90 µs, a third of an imported row.
# Anything else, valid or not, goes through resolvers/auth.py's normalise_email.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(
    r"([a-z0-9_+-]{1,64}(?:\.[a-z0-9_+-]{1,64})*)@((?:" + _LABEL + r"\.)+[a-z]{2,63})", re.ASCII | re.IGNORECASE
)
_SPECIAL_USE = tuple("." + name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)


def plain_email(value: str) -> str | None:
    """`normalise_email(value)` when the address is plain (see _PLAIN_EMAIL), else None."""
    address = value.strip()
    match = _PLAIN_EMAIL.fullmatch(address)
    if match is None or len(address) > 254 or len(match[1]) > 64:
        return None
    domain = match[2].lower()
    if "--" in domain or len(domain) > 253 or ("." + domain).endswith(_SPECIAL_USE):  # a special-use name or under one
        return None
    return address.lower()


class _New:
    """A customer this batch creates: its values, inserted with Core when the batch ends.

    Cheaper than a Customer object, and duck-typed like one for search_text, emit
    and the update of a row that repeats its externalRef.
    """

    __slots__ = ("id", "tenant_id", "node_id", "external_ref", "name", "email", "phone", "locale",
                 "tags", "attributes", "search_text", "email_key", "name_key", "email_bidx", "phone_bidx")
    __graphql_type__ = entity_type_of(Customer)

    def __init__(self, **values: Any) -> None:
        self.tenant_id = None
        self.email = self.phone = self.locale = None
        self.tags, self.attributes = [], {}
        for key, value in values.items():
            setattr(self, key, value)

    def values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "tenant_id"}


class _Batch:
    """What a batch's rows refer to, loaded in 3 statements, and the customers it touched."""

    def __init__(self, customers: Sequence[Customer], survivors: dict[int, Customer], nodes: Sequence[TierNode],
                 ancestors: dict[int, TierNode], carried: dict[str, dict[int, dict[str, Any]]]) -> None:
        # A merged customer's ref and id still match: its rows update the survivor instead.
        self.known: dict[str, Customer | _New] = {
            c.external_ref: survivors.get(c.id, c) for c in customers if c.external_ref}
        self.by_id: dict[int, Customer] = {c.id: survivors.get(c.id, c) for c in customers}
        self.tags_before = {c.id: set(c.tags or []) for c in self.by_id.values()}
        self.touched: dict[int, Customer | _New] = {}  # by id
        self.carried = carried
        self.nodes: dict[str | int, TierNode] = {}
        self.settings: dict[int, NodeSettingsValues] = {}
        self.regions: dict[int, str | None] = {}  # per node, not per row: parsing a locale is slow
        for n in nodes:
            self.nodes[n.code] = self.nodes[n.id] = n
            chain = [ancestors[a] for a in n.ancestor_ids() if a in ancestors]
            self.settings[n.id] = effective_settings([*chain, n])
            self.regions[n.id] = region_of(self.settings[n.id].locale)

    @classmethod
    async def load(cls, session: AsyncSession, batch: list[dict[str, Any]], created: dict[str, _New],
                   carried_rows: dict[str, dict[int, dict[str, Any]]], keys: set[str | None]) -> _Batch:
        """`created`: customers earlier batches of a dry run would have created, by externalRef;
        `carried_rows`: values of earlier rows carried into later ones, by record key (`keys`: this batch's)."""
        from schema.relay import decode_id

        refs = {v["external_ref"].strip() for v in batch if v.get("external_ref")}
        ids = {pk for v in batch if v.get("id") and (pk := decode_id(v["id"].strip(), "Customer"))}
        customers = (await session.scalars(
            select(Customer).where(Customer.external_ref.in_(refs))
        )).all() if refs else []
        if ids - {c.id for c in customers}:
            customers = [*customers, *(await session.scalars(select(Customer).where(
                Customer.id.in_(ids - {c.id for c in customers}), Customer.erased_at.is_(None)))).all()]
        survivors = await survivors_of(session, customers)
        carried = {r: created[r] for r in refs if r in created}
        codes = {v["node_id"].strip() for v in batch if v.get("node_id")}
        node_ids = ({c.node_id for c in customers} | {c.node_id for c in survivors.values()}
                    | {c.node_id for c in carried.values()}
                    | {v["node_id"] for k in keys if k in carried_rows for v in carried_rows[k].values()})
        nodes = (await session.scalars(
            select(TierNode).where(or_(TierNode.code.in_(codes), TierNode.id.in_(node_ids)))
        )).all() if codes or node_ids else []
        ancestor_ids = {a for n in nodes for a in n.ancestor_ids()}
        ancestors = {a.id: a for a in (await session.scalars(
            select(TierNode).where(TierNode.id.in_(ancestor_ids))
        )).all()} if ancestor_ids else {}
        loaded = cls(customers, survivors, nodes, ancestors, carried_rows)
        for ref, customer in carried.items():
            if ref not in loaded.known:
                loaded.known[ref] = customer
                loaded.tags_before[customer.id] = set()
        return loaded

    def _node(self, viewer: Viewer, code: Any, existing: Customer | _New | None, carried: dict[str, Any]) -> TierNode:
        if code is None and "node_id" in carried:
            return self.nodes[carried["node_id"]]
        if code is None and existing is not None:
            return self.nodes[existing.node_id]
        node = self.nodes.get((code or "").strip())
        if node is None or not viewer.in_scope(node.path):
            message = f"no tier node with code {code!r}" if code else "node is required"
            raise DomainError(ErrorCode.NOT_FOUND, message, "nodeId")
        return node

    def _identify(self, values: dict[str, Any]) -> tuple[str, Customer | _New | None]:
        """(externalRef or "", the customer the row names or None for a new one)."""
        from schema.relay import decode_id

        ref = _text(values.pop("external_ref", None))
        gid = _text(values.pop("id", None))
        if len(ref) > 100:
            raise DomainError(ErrorCode.INVALID, "externalRef is at most 100 characters", "externalRef")
        if gid:
            existing = self.by_id.get(decode_id(gid, "Customer") or -1)
            if existing is not None:
                holder = self.known.get(ref) if ref else None
                if holder is not None and holder is not existing:
                    raise DomainError(ErrorCode.CONFLICT, f"externalRef {ref!r} belongs to another customer",
                                      "externalRef")
                return ref, existing
            if not ref:  # another tenant's or an erased customer's id, and nothing to create it by
                raise DomainError(ErrorCode.NOT_FOUND, f"no customer with id {gid!r}", "id")
        if not ref:
            raise DomainError(ErrorCode.INVALID, "externalRef (or the id of an exported customer) is "
                              "required to import: it is the upsert key", "externalRef")
        return ref, self.known.get(ref)

    def customer_of(self, values: dict[str, Any]) -> Customer | _New | None:
        """The customer an accepted row named (by exported id, else by externalRef)."""
        from schema.relay import decode_id

        gid = _text(values.get("id"))
        if gid and (found := self.by_id.get(decode_id(gid, "Customer") or -1)) is not None:
            return found
        return self.known.get(_text(values.get("externalRef")))

    def _carried(self, key: str, line: int) -> dict[str, Any]:
        """The earlier rows' values for this customer, each later one's over the one before."""
        out: dict[str, Any] = {}
        for earlier in sorted(n for n in self.carried.get(key, {}) if n < line):
            out.update(self.carried[key][earlier])
        return out

    def upsert(self, session: AsyncSession, viewer: Viewer, values: dict[str, Any], row: SourceRow, *,
               write: bool) -> Outcome:
        """Validate one row, then (when `write`) apply it with the rows carried into it;
        nothing is applied when it is invalid."""
        key = record_key(row.values) or ""
        ref, existing = self._identify(values)
        carried = self._carried(key, row.line)
        node = self._node(viewer, values.pop("node_id", None), existing, carried)
        if existing is None and "name" not in carried:
            values.setdefault("name", None)
        problems = Problems()
        email = values.get("email")
        email = plain_email(email) if isinstance(email, str) else None
        if email is not None:  # what clean_values would give, without validate_email's cost
            del values["email"]
        cleaned = clean_values(values, self.regions[node.id], problems)
        if email is not None:
            cleaned["email"] = email
        problems.raise_if_any()
        cleaned["node_id"] = node.id
        if cleaned.get("locale", "") is None:
            cleaned["locale"] = self.settings[node.id].locale  # empty means the store's, as on create
        if existing is not None and ref and ref != existing.external_ref and self.known.get(ref) is not existing:
            # A customer found by id gets the ref the file gives it; a merged customer's ref
            # (which names its survivor) stays the tombstone's.
            cleaned["external_ref"] = ref
        if row.later:
            self.carried.setdefault(key, {})[row.line] = cleaned
            return Outcome.SUPERSEDED
        return self._apply(session, ref, existing, {**carried, **cleaned}, write=write)

    def without(self, session: AsyncSession, viewer: Viewer, row: SourceRow, errors: list[RowError], *,
                write: bool) -> list[RowError]:
        """A rejected row; when it was the last of its customer, the rows carried so far are applied."""
        key = record_key(row.values)
        carried = self._carried(key, row.line) if key and not row.later else {}
        if not carried:
            return errors
        try:
            ref, existing = self._identify({"external_ref": row.values.get("externalRef"), "id": row.values.get("id")})
        except DomainError:  # it names the customer differently than the rows before it: nothing to carry
            return errors
        return Rejected(errors, self._apply(session, ref, existing, carried, write=write))

    def _apply(self, session: AsyncSession, ref: str, existing: Customer | _New | None,
               cleaned: dict[str, Any], *, write: bool) -> Outcome:
        node_id = cleaned["node_id"]
        if existing is None:
            customer = _New(id=new_id(), external_ref=ref, **cleaned)
            if customer.locale is None:
                customer.locale = self.settings[node_id].locale
            customer.search_text = search_text(customer)  # type: ignore[arg-type]
            set_keys(customer)
            self.known[ref] = customer
            self.tags_before[customer.id] = set()
            if write:
                self.touched[customer.id] = customer
                emit(session, "CUSTOMER_CREATED", subject=customer, node_id=node_id)
            return Outcome.CREATED
        changed = [k for k in (*EDITABLE, "external_ref") if k in cleaned and getattr(existing, k) != cleaned[k]]
        if not changed:
            return Outcome.UNCHANGED
        if write:
            for key in changed:
                setattr(existing, key, cleaned[key])
            existing.search_text = search_text(existing)  # type: ignore[arg-type]
            set_keys(existing)
            self.touched[existing.id] = existing
            if "external_ref" in changed:
                self.known[existing.external_ref] = existing  # type: ignore[index]
            emit(session, "CUSTOMER_UPDATED", subject=existing, node_id=node_id, data={"fields": changed})
        return Outcome.UPDATED

    async def insert_new(self, session: AsyncSession, tenant_id: int) -> None:
        """One executemany for the created customers, each audited like a flushed Customer."""
        created = [c for c in self.touched.values() if isinstance(c, _New)]
        if not created:
            return
        now = utcnow()
        rows = []
        for customer in created:
            values = customer.values()
            audit.record_new(session.sync_session, Customer, values, tenant_id=tenant_id, node_id=customer.node_id)
            rows.append({**values, "tenant_id": tenant_id, "created_at": now, "updated_at": now, "erased_at": None})
        await session.execute(insert(Customer.__table__), rows)

    async def sync_tags(self, session: AsyncSession, tenant_id: int) -> None:
        """customer_tag rows follow each touched customer's final tags (one DELETE, one INSERT at most)."""
        removed: list[tuple[int, str]] = []
        added: list[dict[str, Any]] = []
        for customer_id, customer in self.touched.items():
            before, after = self.tags_before[customer_id], set(customer.tags or [])
            removed += [(customer.id, t) for t in sorted(before - after)]
            added += [{"tenant_id": tenant_id, "id": new_id(), "customer_id": customer.id, "tag": t}
                      for t in sorted(after - before)]
        if removed:
            with session.no_autoflush:
                await session.execute(
                    delete(CustomerTag).where(tuple_(CustomerTag.customer_id, CustomerTag.tag).in_(removed))
                )
        if added:
            await session.execute(insert(CustomerTag.__table__), added)
