"""Order rows for `canopy import orders`: created through the orders service, upserted by externalRef.

The externalRef is the idempotency key of the order's creation ("import:<ref>"), so a
re-run replays the same order instead of creating another, and different content
under the same ref is a CONFLICT: orders are immutable except for their status,
which the import moves along the status machine (pay, fulfil, cancel, refund)
with the same services the API uses. Each row runs in a savepoint: all or nothing.
Rows repeating a ref must repeat its content; the last one's status is the one the
order is moved to, the earlier ones are checked and counted as superseded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.models.core import IdempotencyKey
from db.models.customers import Customer
from db.models.orders import Order, OrderStatus
from db.models.tree import TierNode
from resolvers.bulk.importer import Outcome, Rejected, RowError, RowResult, SourceRow, errors_of
from resolvers.common.errors import DomainError, ErrorCode, Problems
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.queries import follow_merges
from resolvers.orders import orders

COLUMNS = frozenset({"externalRef", "customer", "store", "currency", "placedAt", "paidAt", "status", "lines"})
CONTENT = ("customer", "store", "currency", "placed_at", "lines")  # what a repeated ref must repeat
_FIELD_TO_COLUMN = {"customerId": "customer", "storeId": "store", "idempotencyKey": "externalRef",
                    "id": "status", **{c: c for c in COLUMNS}}
KEY_PREFIX = "import:"


def _column_of(path: tuple[str, ...] | None) -> str | None:
    return _FIELD_TO_COLUMN.get(path[0]) if path else None


def _time(value: Any, column: str, problems: Problems) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        problems.add(ErrorCode.INVALID, f"{column} must be ISO 8601 with an offset, e.g. 2026-03-01T10:00:00Z", column)
        return None
    return parsed


def _lines(value: Any, problems: Problems) -> list[orders.LineInput]:
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            value = None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.add(ErrorCode.INVALID, "lines must be a JSON list of {sku, name, quantity, unitPrice}", "lines")
        return []
    out = []
    for i, line in enumerate(value):
        try:
            out.append(orders.LineInput(
                sku=str(line["sku"]), name=str(line["name"]), quantity=int(line["quantity"]),
                unit_price=Decimal(str(line["unitPrice"])),
            ))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            problems.add(ErrorCode.INVALID, f"line {i + 1} needs sku, name, an integer quantity and unitPrice", "lines")
    return out


def _parse(values: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    status = (values.get("status") or "PENDING").strip().upper()
    if status not in OrderStatus.__members__:
        problems.add(ErrorCode.INVALID, f"status must be one of {', '.join(OrderStatus)}", "status")
    parsed = {
        "ref": (values.get("externalRef") or "").strip(), "customer": (values.get("customer") or "").strip(),
        "store": (values.get("store") or "").strip(), "currency": values.get("currency") or None,
        "placed_at": _time(values.get("placedAt"), "placedAt", problems),
        "paid_at": _time(values.get("paidAt"), "paidAt", problems),
        "status": OrderStatus.__members__.get(status), "lines": _lines(values.get("lines"), problems),
    }
    if not parsed["ref"]:
        problems.add(ErrorCode.INVALID, "externalRef is required to import (it is the upsert key)", "externalRef")
    problems.raise_if_any()
    return parsed


def transitions(current: OrderStatus, target: OrderStatus) -> list[str]:
    """The shortest run of status operations from `current` to `target` (orders.TRANSITIONS)."""
    paths: dict[OrderStatus, list[str]] = {current: []}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        for operation, (sources, end, _) in orders.TRANSITIONS.items():
            if status in sources and end not in paths:
                paths[end] = [*paths[status], operation]
                queue.append(end)
    if target not in paths:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, f"an order that is {current.value} cannot become {target.value}", "status")
    return paths[target]


@asynccontextmanager
async def _row(session: AsyncSession) -> AsyncIterator[None]:
    """A savepoint whose rollback also forgets the audit changes and events it queued."""
    info = session.info
    # Marks, not copies: copying the batch's changes per row made a batch quadratic.
    mark = audit.snapshot(session.sync_session)
    events = len(info.get("events_pending", []))
    try:
        async with session.begin_nested():
            yield
    except DomainError:
        if "audit_pending" in info:
            audit.restore(session.sync_session, mark)
            del info.get("events_pending", [])[events:]
        raise
    finally:
        audit.release(session.sync_session, mark)


class OrderImport:
    operation = "importOrders"
    columns = COLUMNS
    ignored: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.carried: dict[str, tuple[int, dict[str, Any]]] = {}  # ref -> (line, values) of its earlier row

    def key_of(self, values: dict[str, Any]) -> str | None:
        ref = values.get("externalRef")
        return (ref.strip() if isinstance(ref, str) else str(ref)) if ref not in (None, "") else None

    async def run(
        self, session: AsyncSession, viewer: Viewer, rows: Sequence[SourceRow], *, write: bool
    ) -> list[RowResult]:
        """Dry runs take the same path; the caller never commits them."""
        require(viewer, "order.write")
        parsed: list[dict[str, Any] | list[RowError]] = []
        for row in rows:
            try:
                parsed.append(_parse(row.values))
            except DomainError as exc:
                parsed.append(errors_of(exc, row.line, _column_of))
        refs = {self.key_of(row.values) for row in rows}
        ok = [p for p in parsed if isinstance(p, dict)] + [v for r, (_, v) in self.carried.items() if r in refs]
        customers = await follow_merges(
            session, await _ids(session, Customer.external_ref, Customer.id, {p["customer"] for p in ok}))
        stores = await _ids(session, TierNode.code, TierNode.id, {p["store"] for p in ok})
        existing = dict((await session.execute(
            select(IdempotencyKey.key, Order.status).join(Order, Order.id == IdempotencyKey.result_id)
            .where(IdempotencyKey.operation == "createOrder",
                   IdempotencyKey.key.in_({KEY_PREFIX + p["ref"] for p in ok}))
        )).all()) if ok else {}

        async def upsert(values: dict[str, Any]) -> Outcome:
            async with _row(session):
                return await _upsert(session, viewer, values, customers, stores, existing)

        results: list[RowResult] = []
        for row, values in zip(rows, parsed, strict=True):
            key = self.key_of(row.values)
            line, earlier = self.carried.get(key or "", (row.line, None))
            earlier = earlier if line < row.line else None
            try:
                if isinstance(values, list):
                    raise _Rejected(values)
                if earlier is not None and any(earlier[c] != values[c] for c in CONTENT):
                    raise DomainError(ErrorCode.CONFLICT, f"order {values['ref']!r} has other content on "
                                      f"line {line}; only its status may change", "externalRef")
                if row.later:  # checked now, written with the last row of its ref
                    _check_refs(values, customers, stores)
                    self.carried[values["ref"]] = (row.line, values)
                    results.append(Outcome.SUPERSEDED)
                else:
                    results.append(await upsert(values))
            except (DomainError, _Rejected) as exc:
                errors = exc.errors if isinstance(exc, _Rejected) else errors_of(exc, row.line, _column_of)
                if earlier is None or row.later:
                    results.append(errors)
                    continue
                try:  # the last row of its ref failed: the earlier one is imported without it
                    results.append(Rejected(errors, await upsert(earlier)))
                except DomainError:
                    results.append(errors)
        return results


class _Rejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors


def _check_refs(values: dict[str, Any], customers: dict[str, int], stores: dict[str, int]) -> None:
    if values["customer"] not in customers:
        raise DomainError(ErrorCode.NOT_FOUND, f"no customer with externalRef {values['customer']!r}", "customer")
    if values["store"] not in stores:
        raise DomainError(ErrorCode.NOT_FOUND, f"no tier node with code {values['store']!r}", "store")


async def _ids(session: AsyncSession, key: Any, value: Any, wanted: set[str]) -> dict[str, int]:
    wanted.discard("")
    return dict((await session.execute(select(key, value).where(key.in_(wanted)))).all()) if wanted else {}


async def _upsert(
    session: AsyncSession, viewer: Viewer, values: dict[str, Any], customers: dict[str, int],
    stores: dict[str, int], existing: dict[str, OrderStatus],
) -> Outcome:
    key = KEY_PREFIX + values["ref"]
    _check_refs(values, customers, stores)
    try:
        order = await orders.create_order(
            session, viewer, customer_id=customers[values["customer"]], store_id=stores[values["store"]],
            lines=values["lines"], currency=values["currency"], idempotency_key=key,
            placed_at=values["placed_at"],
        )
    except DomainError as exc:
        if exc.problems[0].code is ErrorCode.CONFLICT and exc.problems[0].field == ("idempotencyKey",):
            raise DomainError(ErrorCode.CONFLICT, f"order {values['ref']!r} was imported with other content; "
                              "only its status may change", "externalRef") from exc
        raise
    steps = transitions(existing.get(key, OrderStatus.PENDING), values["status"])
    for operation in steps:
        if operation == "payOrder":
            await orders.pay_order(session, viewer, order_id=order.id, at=values["paid_at"] or values["placed_at"])
        elif operation == "fulfillOrder":
            await orders.fulfill_order(session, viewer, order_id=order.id)
        elif operation == "cancelOrder":
            await orders.cancel_order(session, viewer, order_id=order.id)
        else:
            await orders.refund_order(session, viewer, order_id=order.id)
    if key not in existing:
        existing[key] = values["status"]
        return Outcome.CREATED
    existing[key] = values["status"]
    return Outcome.UPDATED if steps else Outcome.UNCHANGED
