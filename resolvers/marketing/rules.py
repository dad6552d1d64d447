"""Segment rules: a typed filter tree, validated into JSON, compiled into one SQL condition.

Stored form (what `Segment.rule` holds; ids are primary keys, times ISO 8601 UTC, money
decimal strings in the reporting currency). Exactly one key per node:

    {"and": [rule, ...]}  {"or": [rule, ...]}  {"not": rule}
    {"subtree": nodeId}                      customers of that node's subtree
    {"tags": ["vip", ...]}                   having all these tags
    {"tiers": [tierId, ...]}                 members of any of these tiers
    {"pointsBalance": {"min": n, "max": n}}  a membership's balance in [min, max]
    {"rfm": ["AT_RISK", ...]}                RFM segment among the segment node's customers
    {"lastOrderBefore": t} {"lastOrderAfter": t} {"lastOrderWithinDays": n}
                                             latest paid order < t / >= t / in the last n days
    {"lifetimeValue": {"min": "500", "max": null}}
    {"orderCount": {"min": n, "max": n, "since": t, "until": t, "withinDays": n}}
                                             paid orders placed in [since, until) (or the last n days)
    {"attribute": {"key": k, "value": v}}    attributes[k] equals v (string, number, boolean)
    {"consent": {"channel": "EMAIL", "purpose": "MARKETING"}}

"Paid" orders are the sales of resolvers/orders/queries.py (PAID, FULFILLED); lifetime value is
theirs summed in the reporting currency, as Customer.lifetimeValue; a customer without such
orders has lifetime value 0 and order count 0 (so ranges including 0 match them), and no last
order (so neither lastOrderBefore nor lastOrderAfter matches them).

Lifetime value, order counts and last order times are read from the per-customer rollup
(`customer_order_stats`, db/customer_stats.py, kept exact by triggers), not aggregated over
every order at each count; a customer without a row there has no paid orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import aliased

from db.models.consent import ConsentChannel, ConsentPurpose
from db.models.customers import Customer
from db.models.membership import Membership
from db.models.orders import CustomerOrderStats, Order
from db.models.tree import TierNode, in_subtree
from resolvers.common import money
from resolvers.common.errors import DomainError, ErrorCode, Problems
from resolvers.common.viewer import Viewer
from resolvers.consent.consents import granted
from resolvers.customers.customers import CustomerFilterValues, filter_conditions, normalise_tags
from resolvers.membership.programs import customers_in_tiers
from resolvers.orders.queries import SALES
from resolvers.reports import rfm

MAX_DEPTH, MAX_NODES, MAX_LIST = 8, 64, 50
INT_MAX = 2**31 - 1
MAX_DAYS = 36_500
BRANCHES = ("and", "or")
LEAVES = ("subtree", "tags", "tiers", "pointsBalance", "rfm", "lastOrderBefore", "lastOrderAfter",
          "lastOrderWithinDays", "lifetimeValue", "orderCount", "attribute", "consent")
Path = list[str]


class _Count:
    def __init__(self) -> None:
        self.nodes = 0


def normalise(raw: Any, problems: Problems, path: Path, currency: str, *, depth: int = 0,
              count: _Count | None = None) -> dict[str, Any]:
    """The stored form of a rule as the schema layer gives it (ids decoded, Decimals, datetimes);
    every problem is collected with its field path."""
    count = count or _Count()
    count.nodes += 1
    if count.nodes > MAX_NODES:
        problems.add(ErrorCode.INVALID, f"a rule has at most {MAX_NODES} parts", path)
        return {}
    given = {k: v for k, v in (raw or {}).items() if v is not None}
    if len(given) != 1:
        problems.add(ErrorCode.INVALID, "give exactly one condition in each rule part", path)
        return {}
    (kind, value), = given.items()
    at = [*path, kind]
    if kind in BRANCHES or kind == "not":
        if depth >= MAX_DEPTH:
            problems.add(ErrorCode.INVALID, f"rules nest at most {MAX_DEPTH} deep", at)
            return {}
        if kind == "not":
            return {"not": normalise(value, problems, at, currency, depth=depth + 1, count=count)}
        if not value or len(value) > MAX_LIST:
            problems.add(ErrorCode.INVALID, f"1 to {MAX_LIST} rules", at)
            return {}
        return {kind: [normalise(v, problems, [*at, str(i)], currency, depth=depth + 1, count=count)
                       for i, v in enumerate(value)]}
    return {kind: _leaf(kind, value, problems, at, currency)}


def _leaf(kind: str, value: Any, problems: Problems, at: Path, currency: str) -> Any:
    if kind == "subtree":
        return int(value)
    if kind == "tags":
        tags = normalise_tags(list(value), Problems())
        if not tags or len(tags) > MAX_LIST or any(len(t) > 50 for t in tags):
            problems.add(ErrorCode.INVALID, f"1 to {MAX_LIST} tags of at most 50 characters", at)
        return tags
    if kind == "tiers":
        if not value or len(value) > MAX_LIST:
            problems.add(ErrorCode.INVALID, f"1 to {MAX_LIST} tiers", at)
        return sorted({int(v) for v in value})
    if kind == "rfm":
        if not value:
            problems.add(ErrorCode.INVALID, "at least one RFM segment", at)
        return sorted({rfm.Segment(v).value for v in value})
    if kind in ("lastOrderBefore", "lastOrderAfter"):
        return _time(value)
    if kind == "lastOrderWithinDays":
        _days(value, problems, at)
        return int(value)
    if kind == "pointsBalance":
        return _range(value, problems, at, lambda v: _int(v, problems, at))
    if kind == "lifetimeValue":
        return _range(value, problems, at, lambda v: str(_decimal(v, currency, problems, at)))
    if kind == "orderCount":
        out = _range(value, problems, at, lambda v: _int(v, problems, at))
        since, until, within = value.get("since"), value.get("until"), value.get("within_days")
        if within is not None and (since is not None or until is not None):
            problems.add(ErrorCode.INVALID, "give withinDays or since/until, not both", [*at, "withinDays"])
        if within is not None:
            _days(within, problems, [*at, "withinDays"])
        if since is not None and until is not None and since >= until:
            problems.add(ErrorCode.INVALID, "since must be before until", [*at, "since"])
        out.update(since=_time(since), until=_time(until), withinDays=within)
        return out
    if kind == "attribute":
        key, v = value.get("key") or "", value.get("value")
        if not 1 <= len(key) <= 100 or any(c in key for c in '"\\') or not key.isprintable():
            problems.add(ErrorCode.INVALID, "a key of 1 to 100 printable characters, no quotes", [*at, "key"])
        if not isinstance(v, str | int | float | bool) or (isinstance(v, str) and len(v) > 1000):
            problems.add(ErrorCode.INVALID, "a string (up to 1000 characters), number or boolean", [*at, "value"])
        if isinstance(v, float) and not (abs(v) < 1e15):
            problems.add(ErrorCode.INVALID, "a finite number", [*at, "value"])
        return {"key": key, "value": v}
    if kind == "consent":
        return {"channel": ConsentChannel(value["channel"]).value, "purpose": ConsentPurpose(value["purpose"]).value}
    raise AssertionError(kind)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _days(value: int, problems: Problems, at: Path) -> None:
    if not 1 <= value <= MAX_DAYS:
        problems.add(ErrorCode.INVALID, f"1 to {MAX_DAYS} days", at)


def _int(value: int, problems: Problems, at: Path) -> int:
    if not 0 <= value <= INT_MAX:
        problems.add(ErrorCode.INVALID, f"0 to {INT_MAX}", at)
    return int(value)


def _decimal(value: Decimal | str, currency: str, problems: Problems, at: Path) -> Decimal:
    try:
        value = Decimal(str(value))
        if not value.is_finite() or value < 0 or value > Decimal(10) ** 12:
            raise DomainError(ErrorCode.INVALID, "0 to 10^12", at)
        money.to_minor(value, currency, at)
    except DomainError as exc:
        problems.items.extend(exc.problems)
    except ArithmeticError:
        problems.add(ErrorCode.INVALID, "not a number", at)
        return Decimal(0)
    return value


def _range(value: dict[str, Any], problems: Problems, at: Path, convert: Any) -> dict[str, Any]:
    low, high = value.get("min"), value.get("max")
    if low is None and high is None:
        problems.add(ErrorCode.INVALID, "give min, max or both", at)
    if low is not None and high is not None and low > high:
        problems.add(ErrorCode.INVALID, "min must not exceed max", [*at, "min"])
    return {"min": None if low is None else convert(low), "max": None if high is None else convert(high)}


def referenced(rule: dict[str, Any], kind: str) -> set[int]:
    """The node ("subtree") or tier ("tiers") ids a stored rule names."""
    out: set[int] = set()
    for key, value in rule.items():
        if key in BRANCHES:
            for r in value:
                out |= referenced(r, kind)
        elif key == "not":
            out |= referenced(value, kind)
        elif key == kind:
            out |= {value} if isinstance(value, int) else set(value)
    return out


@dataclass(frozen=True)
class Context:
    """What compiling needs beyond the rule: the caller, node paths, the RFM population, now."""

    viewer: Viewer
    paths: dict[int, str]  # subtree node id -> path (nodes gone since match nothing)
    population_path: str  # the segment node's subtree: RFM ranks among its customers
    now: datetime
    currency: str
    dialect: str


def compile_rule(rule: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    """One SQL condition on Customer for a stored rule."""
    (kind, value), = rule.items()
    if kind == "and":
        return and_(true(), *(compile_rule(r, ctx) for r in value))
    if kind == "or":
        return or_(false(), *(compile_rule(r, ctx) for r in value))
    if kind == "not":
        return not_(compile_rule(value, ctx))
    return _LEAF_SQL[kind](value, ctx)


def _subtree(value: int, ctx: Context) -> ColumnElement[bool]:
    path = ctx.paths.get(value)
    if path is None:
        return false()
    return Customer.node_id.in_(select(TierNode.id).where(in_subtree(TierNode.path, path)))


def _between(column: Any, low: Any, high: Any) -> list[Any]:
    return [*([column >= low] if low is not None else []), *([column <= high] if high is not None else [])]


S = CustomerOrderStats


def _has_stats(*where: Any) -> Any:
    """Customers whose rollup row (db/customer_stats.py) matches: a semi-join on its primary key."""
    return (select(S.customer_id).where(S.tenant_id == Customer.tenant_id, S.customer_id == Customer.id, *where)
            .correlate(Customer).exists())


def _in_range(matches: Any, low: Any, high: Any) -> ColumnElement[bool]:
    """Customers whose aggregate lies in [low, high]. `matches(test)` is the condition on a rollup
    row that its aggregate passes `test`. A customer without a row has every aggregate 0, so a
    range including 0 is "no row with the aggregate above high", a hash anti-join."""
    if low is not None and low > 0:
        return _has_stats(matches(lambda a: and_(*_between(a, low, high))))
    if high is None:
        return true()  # [0, ∞): counts and paid sums are never negative, so everyone
    return ~_has_stats(matches(lambda a: a > high))


def _lifetime(value: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    low, high = (None if value[k] is None else money.to_minor(Decimal(value[k]), ctx.currency, "lifetimeValue")
                 for k in ("min", "max"))
    return _in_range(lambda test: test(S.lifetime_value), low, high)


def _order_count(value: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    """Paid orders placed in [since, until). The rollup's count when the window holds all of the
    customer's sales (all-time: always); counted from ix_sales_order_customer only for customers
    with sales on both sides of a bound. A window holding none of them counts 0, which no test
    passes (a test is a range above 0, or "above max")."""
    since = ctx.now - timedelta(days=value["withinDays"]) if value.get("withinDays") else _parse(value.get("since"))
    until = _parse(value.get("until"))
    inside = [*([S.first_order_at >= since] if since else []), *([S.last_order_at < until] if until else [])]
    if not inside:
        return _in_range(lambda test: test(S.order_count), value["min"], value["max"])
    window = [*([Order.placed_at >= since] if since else []), *([Order.placed_at < until] if until else [])]
    inner = aliased(S)  # not the row the outer EXISTS tests
    straddles = [*([and_(inner.first_order_at < since, inner.last_order_at >= since)] if since else []),
                 *([and_(inner.first_order_at < until, inner.last_order_at >= until)] if until else [])]
    # An uncorrelated IN, hashed once: the planner costs it by its few straddling customers, where
    # a per-row count would be costed (and JIT-compiled on PostgreSQL) as if run for every row.
    straddling = (select(Order.customer_id)
                  .join(inner, and_(inner.tenant_id == Order.tenant_id, inner.customer_id == Order.customer_id))
                  .where(or_(*straddles), Order.status.in_(SALES), *window).group_by(Order.customer_id))

    def matches(test: Any) -> ColumnElement[bool]:
        return or_(and_(*inside, test(S.order_count)),
                   S.customer_id.in_(straddling.having(test(func.count(Order.id)))))
    return _in_range(matches, value["min"], value["max"])


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _last_order(op: str) -> Any:
    def build(value: Any, ctx: Context) -> ColumnElement[bool]:
        last = S.last_order_at
        if op == "within":
            return _has_stats(last >= ctx.now - timedelta(days=value))
        moment = _parse(value)
        return _has_stats(last < moment if op == "before" else last >= moment)
    return build


def _rfm(value: list[str], ctx: Context) -> ColumnElement[bool]:
    scored = rfm.scored(ctx.population_path, ctx.now)
    return Customer.id.in_(select(scored.c.customer_id).where(scored.c.segment.in_(value)))


def _points(value: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    return Customer.id.in_(select(Membership.customer_id).where(
        *_between(Membership.points_balance, value["min"], value["max"])))


def _attribute(value: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    """attributes[key] equals the value as JSON: same type and value (5 equals 5.0, not "5" or true)."""
    key, v = value["key"], value["value"]
    if ctx.dialect == "postgresql":
        element = Customer.attributes[key]
        matched = element == cast(literal(orjson.dumps(v).decode(), String()), JSONB)  # a text bind, cast once
    else:  # SQLite: json_type tells booleans ('true'/'false') and numbers from text
        where = f'$."{key}"'
        kind = func.json_type(Customer.attributes, where)
        extracted = func.json_extract(Customer.attributes, where)
        if isinstance(v, bool):
            return and_(kind.is_not(None), kind == ("true" if v else "false"))
        kinds = ("integer", "real") if isinstance(v, int | float) else ("text",)
        return and_(kind.is_not(None), kind.in_(kinds), extracted == v)
    # is_not(None) keeps NOT (attribute = v) true for customers without the key, not NULL.
    return and_(element.is_not(None), matched)


def _tags(value: list[str], ctx: Context) -> ColumnElement[bool]:
    return and_(*filter_conditions(ctx.viewer, CustomerFilterValues(tags=tuple(value))))


_LEAF_SQL: dict[str, Any] = {
    "subtree": _subtree,
    "tags": _tags,
    "tiers": lambda v, ctx: customers_in_tiers(v),
    "pointsBalance": _points,
    "rfm": _rfm,
    "lastOrderBefore": _last_order("before"),
    "lastOrderAfter": _last_order("after"),
    "lastOrderWithinDays": _last_order("within"),
    "lifetimeValue": _lifetime,
    "orderCount": _order_count,
    "attribute": _attribute,
    "consent": lambda v, ctx: granted(Customer.id, ConsentChannel(v["channel"]), ConsentPurpose(v["purpose"])),
}
