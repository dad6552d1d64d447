"""Customers: create, update, and the filtered, scoped query behind every customer list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import phonenumbers
from sqlalchemy import Select, delete, false, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import crypto
from db.models.customers import Customer, CustomerTag
from db.models.tree import TierNode, in_subtree
from db.outbox import emit
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.permissions import require, sees_pii
from resolvers.common.viewer import Viewer
from resolvers.core.auth import normalise_email
from resolvers.customers.identity import email_lookup, phone_lookup, set_keys
from resolvers.tree import rollups
from resolvers.tree.nodes import node_in_scope, settings_of
from resolvers.tree.settings import normalise_locale, region_of

MAX_TAGS = 50
# A filter's words each add a LIKE, its tags and tiers a bound parameter: thousands of them
# exceeded SQLite's expression depth and parameter count, and PostgreSQL's (INTERNAL).
MAX_SEARCH_TERMS = 20
MAX_FILTER_TIERS = 100
MAX_ATTRIBUTES_BYTES = 16_384
EDITABLE = ("node_id", "name", "email", "phone", "locale", "tags", "attributes")


@dataclass(frozen=True)
class CustomerFilterValues:
    """A customer list's filter, as the service understands it (ids decoded)."""

    search: str | None = None
    tags: tuple[str, ...] = ()
    node_path: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    extra: tuple[Any, ...] = field(default=())  # conditions other domains add (membership tiers)


def search_text(customer: Customer) -> str:
    """Substring search's text; with encryption on it leaves out the (encrypted) email and phone,
    which are then found only whole, through their blind indexes."""
    if crypto.active() is None:
        parts = (customer.name, customer.email, customer.phone, customer.external_ref)
    else:
        parts = (customer.name, customer.external_ref)
    return " ".join(p for p in parts if p).lower()


def normalise_tags(tags: list[str], problems: Problems) -> list[str]:
    """Trimmed, lowercased, single-spaced, unique and sorted."""
    cleaned = sorted({" ".join(t.split()).lower() for t in tags} - {""})
    if len(cleaned) > MAX_TAGS:
        problems.add(ErrorCode.INVALID, f"at most {MAX_TAGS} tags", "tags")
    for i, tag in enumerate(cleaned):
        if len(tag) > 50:
            problems.add(ErrorCode.INVALID, "a tag is at most 50 characters", ["tags", str(i)])
    return cleaned


def normalise_phone(value: str, region: str | None, problems: Problems) -> str | None:
    """E.164; a national number is read in the store's country (from its locale)."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        problems.add(ErrorCode.INVALID, f"invalid phone number: {exc}", "phone")
        return None
    if not phonenumbers.is_valid_number(number):
        problems.add(ErrorCode.INVALID, "invalid phone number", "phone")
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_values(values: dict[str, Any], region: str | None, problems: Problems) -> dict[str, Any]:
    """Validated values of the editable fields given; None clears email, phone, locale."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            out[key] = (value or "").strip()
            if not out[key] or len(out[key]) > 200:
                problems.add(ErrorCode.INVALID, "name must have 1 to 200 characters", "name")
        elif key == "node_id":
            out[key] = value
        elif value is None:
            out[key] = {"tags": [], "attributes": {}}.get(key)
        elif key == "email":
            try:
                out[key] = normalise_email(value) if value.strip() else None
            except DomainError as exc:
                problems.items.extend(exc.problems)
        elif key == "phone":
            out[key] = normalise_phone(value, region, problems) if value.strip() else None
        elif key == "locale":
            out[key] = normalise_locale(value, ["locale"], problems)
        elif key == "tags":
            out[key] = normalise_tags(value, problems)
        elif key == "attributes":
            if not isinstance(value, dict):
                problems.add(ErrorCode.INVALID, "attributes must be a JSON object", "attributes")
            elif len(orjson.dumps(value)) > MAX_ATTRIBUTES_BYTES:
                problems.add(ErrorCode.INVALID, f"attributes exceed {MAX_ATTRIBUTES_BYTES} bytes", "attributes")
            out[key] = value
    return out


async def _check_external_ref(session: AsyncSession, ref: str | None) -> None:
    if ref and await session.scalar(select(Customer.id).where(Customer.external_ref == ref)):
        raise DomainError(ErrorCode.CONFLICT, f"a customer with externalRef {ref!r} exists", "externalRef")


async def _flush(session: AsyncSession) -> None:
    """Flush; a concurrent insert of the same externalRef is a CONFLICT, not a fault."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise DomainError(ErrorCode.CONFLICT, "a customer with this externalRef exists", "externalRef") from exc


async def create_customer(
    session: AsyncSession, viewer: Viewer, *, node_id: int | None, values: dict[str, Any],
    external_ref: str | None = None,
) -> Customer:
    """`values` holds the EDITABLE fields given (node_id aside); locale defaults to the store's."""
    require(viewer, "customer.write")
    node = await node_in_scope(session, viewer, node_id, "nodeId")
    settings = await settings_of(session, node)
    problems = Problems()
    cleaned = clean_values(values, region_of(settings.locale), problems)
    ref = (external_ref or "").strip() or None
    if ref is not None and len(ref) > 100:
        problems.add(ErrorCode.INVALID, "externalRef is at most 100 characters", "externalRef")
    problems.raise_if_any()
    await _check_external_ref(session, ref)
    cleaned.setdefault("tags", [])
    customer = Customer(node_id=node.id, external_ref=ref, **cleaned)
    if customer.locale is None:
        customer.locale = settings.locale
    customer.search_text = search_text(customer)
    set_keys(customer)
    session.add(customer)
    await _flush(session)
    session.add_all(CustomerTag(customer_id=customer.id, tag=t) for t in customer.tags)
    emit(session, "CUSTOMER_CREATED", subject=customer, node_id=node.id)
    return customer


async def update_customer(
    session: AsyncSession, viewer: Viewer, *, customer_id: int | None, values: dict[str, Any],
) -> Customer:
    """`values` holds the EDITABLE fields the client sent; a moved customer keeps its locale."""
    require(viewer, "customer.write")
    customer, node = await customer_in_scope(session, viewer, customer_id)
    if "node_id" in values and values["node_id"] != node.id:
        node = await node_in_scope(session, viewer, values["node_id"], "nodeId")
    region = region_of((await settings_of(session, node)).locale) if "phone" in values else None
    problems = Problems()
    cleaned = clean_values(values, region, problems)
    problems.raise_if_any()
    cleaned["node_id"] = node.id
    old_tags = set(customer.tags or [])
    for key, value in cleaned.items():
        setattr(customer, key, value)
    customer.search_text = search_text(customer)
    set_keys(customer)
    state = inspect(customer)
    changed = [k for k in EDITABLE if k in cleaned and state.attrs[k].history.has_changes()]
    if "tags" in cleaned:
        await replace_tags(session, customer.id, old_tags, set(customer.tags))
    await _flush(session)
    if changed:
        emit(session, "CUSTOMER_UPDATED", subject=customer, node_id=node.id, data={"fields": changed})
    return customer


async def replace_tags(session: AsyncSession, customer_id: int, old: set[str], new: set[str]) -> None:
    if old - new:
        await session.execute(
            delete(CustomerTag).where(CustomerTag.customer_id == customer_id, CustomerTag.tag.in_(old - new))
        )
    session.add_all(CustomerTag(customer_id=customer_id, tag=t) for t in sorted(new - old))


async def customer_in_scope(
    session: AsyncSession, viewer: Viewer, customer_id: int | None, field: str = "id",
) -> tuple[Customer, TierNode]:
    """The customer and its node, NOT_FOUND outside the viewer's subtree; a merged
    customer's id gives its survivor (an old id in a client, a bot's context)."""
    row = None
    if customer_id is not None:
        merged = select(Customer.merged_into_id).where(Customer.id == customer_id).scalar_subquery()
        row = (
            await session.execute(
                select(Customer, TierNode).join(TierNode, TierNode.id == Customer.node_id)
                .where(Customer.id == func.coalesce(merged, customer_id))
            )
        ).first()
    if row is None or not viewer.in_scope(row[1].path):
        raise not_found("customer", field)
    return row[0], row[1]


def exact_phone(search: str | None) -> str | None:
    """The E.164 form of a search that is one complete, valid international phone number
    ("+49 30 1234567", "+49-30-1234567", "0049301234567"), else None (a substring search)."""
    term = (search or "").strip()
    if term.startswith("00"):
        term = "+" + term[2:]
    if not term.startswith("+") or len(term) > 40 or any(c.isalpha() for c in term):
        return None
    return normalise_phone(term, None, Problems())  # None (and the problem dropped) if invalid


def exact_email(search: str | None) -> str | None:
    """The normalised form of a search that is one valid email address, else None."""
    term = (search or "").strip()
    if "@" not in term or len(term) > 320 or any(c.isspace() for c in term):
        return None
    try:
        return normalise_email(term)
    except DomainError:
        return None


def filter_conditions(viewer: Viewer, values: CustomerFilterValues) -> list[Any]:
    """WHERE conditions of a customer filter, except the subtree (see `customer_query`)."""
    # A merged customer is a tombstone: its id and ref resolve to the survivor, lists skip it.
    # Without the right to see personal data, search must not probe it: externalRef only.
    pii = sees_pii(viewer)
    phone = exact_phone(values.search) if pii else None
    email = exact_email(values.search) if pii and phone is None else None
    live = Customer.merged_into_id
    if phone is not None or email is not None:
        # SQLite (no statistics) would rank `merged_into_id IS NULL` on its index as selective as
        # the blind index's IN; `+ 0` takes that index out of the lookup's choice.
        live = live + 0
    conditions: list[Any] = [live.is_(None), *values.extra]
    if phone is not None:
        # A complete international number (what the bot's /find sends) is that phone:
        # equality on the (tenant_id, phone_bidx) index instead of a substring scan.
        conditions.append(Customer.phone_bidx.in_(phone_lookup(phone)))
    elif email is not None:
        conditions.append(Customer.email_bidx.in_(email_lookup(email)))
    else:
        searched = Customer.search_text if pii else func.lower(Customer.external_ref)
        for term in (values.search or "").lower().split():
            conditions.append(searched.contains(term, autoescape=True))
    if values.tags:
        tags = sorted({" ".join(t.split()).lower() for t in values.tags})
        having_all = (
            select(CustomerTag.customer_id).where(CustomerTag.tag.in_(tags))
            .group_by(CustomerTag.customer_id).having(func.count() == len(tags))
        )
        conditions.append(Customer.id.in_(having_all))
    if values.created_after is not None:
        conditions.append(Customer.created_at >= values.created_after)
    if values.created_before is not None:
        conditions.append(Customer.created_at < values.created_before)
    return conditions


def customer_query(viewer: Viewer, values: CustomerFilterValues) -> Select[Any]:
    """Customers in the viewer's scope (and the filter's subtree) matching the filter."""
    require(viewer, "customer.read")
    stmt = select(Customer).where(*filter_conditions(viewer, values))
    if values.node_path is not None and not viewer.in_scope(values.node_path):
        return stmt.where(false())
    path = values.node_path or viewer.scope_path
    if path.count("/") > 2:  # below the root: confine to the subtree (the root holds everything)
        stmt = stmt.where(Customer.node_id.in_(select(TierNode.id).where(in_subtree(TierNode.path, path))))
    return stmt


def _customer_count(scope: rollups.RollupScope) -> Any:
    return (
        select(func.count()).select_from(Customer)
        .join(TierNode, (TierNode.tenant_id == Customer.tenant_id) & (TierNode.id == Customer.node_id))
        .where(Customer.tenant_id == scope.tenant_id, in_subtree(TierNode.path, scope.path),
               Customer.merged_into_id.is_(None),
               *rollups.in_range(Customer.created_at, scope))
        .scalar_subquery()
    )


rollups.register("customer_count", _customer_count)
