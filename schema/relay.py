"""Node interface, global ids, and cursor connections (flat and batched per parent).

Cursors are encoded and decoded here; the paging SQL is resolvers.common.paging's.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from db.session import DbSession
from resolvers.common import paging
from resolvers.common.paging import OrderKey, Window
from schema.errors import bad_input
from schema.loading import MISS, peek

T = TypeVar("T")

MAX_KEY = 2**63 - 1  # BIGINT, the widest key column


# ---------- global ids ----------

def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("="))


def from_global_id(gid: str) -> tuple[str, int] | None:
    """(type name, pk), or None when the id is malformed."""
    try:
        raw = base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()
        type_name, pk = raw.split(":", 1)
        key = int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    # Keys are BIGINT: one that does not fit can name no row (and would fault the driver).
    return (type_name, key) if 0 < key <= MAX_KEY else None


def decode_id(gid: str | None, type_name: str | Sequence[str]) -> int | None:
    """The pk of a global id of the expected type(s), else None (treat as not found)."""
    if gid is None:
        return None
    parsed = from_global_id(gid)
    allowed = (type_name,) if isinstance(type_name, str) else tuple(type_name)
    if parsed is None or parsed[0] not in allowed:
        return None
    return parsed[1]


@strawberry.interface
class Node:
    id: strawberry.ID


# Type name -> async fetcher(info, pks) returning objects in the caller's scope
# (None where not visible). Each domain registers its node types.
NodeFetcher = Callable[[Any, list[int]], Awaitable[list[Any | None]]]
NODE_FETCHERS: dict[str, NodeFetcher] = {}
NODE_TYPES: list[type] = []


def register_node(gql_type: type, fetcher: NodeFetcher) -> None:
    """Make `node(id:)` resolve ids of this type (and put the type in the schema)."""
    NODE_FETCHERS[gql_type.__strawberry_definition__.name] = fetcher  # type: ignore[attr-defined]
    if gql_type not in NODE_TYPES:
        NODE_TYPES.append(gql_type)


async def resolve_nodes(info: Any, ids: Sequence[str]) -> list[Any | None]:
    by_type: dict[str, list[tuple[int, int]]] = defaultdict(list)
    out: list[Any | None] = [None] * len(ids)
    for i, gid in enumerate(ids):
        parsed = from_global_id(gid)
        if parsed and parsed[0] in NODE_FETCHERS:
            by_type[parsed[0]].append((i, parsed[1]))
    for type_name, items in by_type.items():
        found = await NODE_FETCHERS[type_name](info, [pk for _, pk in items])
        for (i, _), obj in zip(items, found, strict=True):
            out[i] = obj
    return out


# ---------- connections ----------

@strawberry.type
class Edge(Generic[T]):
    """An edge; its cursor is encoded only when selected (most pages select none): from
    `cursor=` as given, or from the row's sort key (`row=`, `order=`)."""

    cursor_field: str = strawberry.field(name="cursor", resolver=lambda root: root.cursor)
    node: T
    given: strawberry.Private[str | None]
    row: strawberry.Private[Any]
    order: strawberry.Private[Sequence[OrderKey]]

    def __init__(self, node: T, cursor: str | None = None, *, row: Any = None,
                 order: Sequence[OrderKey] = ()) -> None:
        self.node, self.given, self.row, self.order = node, cursor, row, order

    @property
    def cursor(self) -> str:
        if self.given is None:
            self.given = cursor_of(self.row, self.order)
        return self.given


@strawberry.type
class PageInfo:
    """Start and end cursors, like edges', are encoded only when selected."""

    has_next_page: bool
    has_previous_page: bool
    start_field: str | None = strawberry.field(name="startCursor", resolver=lambda root: root.start_cursor)
    end_field: str | None = strawberry.field(name="endCursor", resolver=lambda root: root.end_cursor)
    first: strawberry.Private[Edge[Any] | str | None]
    last: strawberry.Private[Edge[Any] | str | None]

    def __init__(self, has_next_page: bool, has_previous_page: bool,
                 start_cursor: Edge[Any] | str | None = None, end_cursor: Edge[Any] | str | None = None) -> None:
        self.has_next_page, self.has_previous_page = has_next_page, has_previous_page
        self.first, self.last = start_cursor, end_cursor

    @property
    def start_cursor(self) -> str | None:
        return self.first.cursor if isinstance(self.first, Edge) else self.first

    @property
    def end_cursor(self) -> str | None:
        return self.last.cursor if isinstance(self.last, Edge) else self.last


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(description="How many items the whole connection holds.")
    async def total_count(self) -> int:
        if self.count is None:
            return len(self.edges)
        return await self.count()

    @property
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def size(self) -> int:
        return self.last if self.last is not None else (self.first or 0)

    @property
    def backwards(self) -> bool:
        return self.last is not None


DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_args(
    first: int | None = None, after: str | None = None, last: int | None = None,
    before: str | None = None, *, max_size: int = MAX_PAGE_SIZE,
) -> PageArgs:
    """Validated paging arguments; too large or contradictory is a clear error."""
    if first is not None and last is not None:
        raise bad_input("give first or last, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and (value < 0 or value > max_size):
            raise bad_input(f"{name} must be between 0 and {max_size}")
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return PageArgs(first=first, after=after, last=last, before=before)


def _encode_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"t": v.isoformat()}
    if isinstance(v, Decimal):
        return {"d": str(v)}
    return v


def _decode_value(v: Any, expected: type | None) -> Any:
    """One cursor value, only in the shape _encode_value wrote for a column of that type."""
    if isinstance(v, dict) and len(v) == 1 and isinstance(next(iter(v.values())), str):
        if "t" in v and expected in (None, datetime):
            return datetime.fromisoformat(v["t"])
        if "d" in v and expected in (None, Decimal):
            d = Decimal(v["d"])
            if d.is_finite() and abs(d.adjusted()) <= 40:
                return d
        raise ValueError("not a cursor value")
    kind = bool if isinstance(v, bool) else type(v)
    fits = (
        v is None
        or (kind is bool and expected in (None, bool))
        or (kind is int and expected in (None, int) and abs(v) <= MAX_KEY)
        or (kind is str and expected in (None, str) and "\x00" not in v)
    )
    if not fits:
        raise ValueError("not a cursor value")
    return v


def _python_type(column: Any) -> type | None:
    """The type a cursor value must have for this column; None where unknown (TypeDecorators
    answer `object`: ours wrap DateTime, or hold decimals as text)."""
    kind = getattr(column.type, "impl_instance", column.type)
    try:
        found = kind.python_type
    except (AttributeError, NotImplementedError):
        return None
    if getattr(column.type, "impl_instance", None) is not None and found is not datetime:
        return None
    return found if found in (int, str, bool, datetime, Decimal) else None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_encode_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int, types: Sequence[type | None] = ()) -> list[Any]:
    """The values a cursor holds; anything not in the shape the list wrote is BAD_USER_INPUT."""
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise bad_input("malformed cursor") from exc
    if not isinstance(values, list) or len(values) != width:
        raise bad_input("malformed cursor")
    try:
        return [_decode_value(v, t) for v, t in zip(values, [*types, *[None] * width][:width], strict=True)]
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise bad_input("malformed cursor") from exc


def window(args: PageArgs, order: Sequence[OrderKey]) -> Window:
    """The page's bounds for the paging SQL, its cursors decoded (malformed: BAD_USER_INPUT)."""
    width = len(order)
    types = [_python_type(c) for c, _ in order]
    return Window(
        size=args.size, backwards=args.backwards,
        after=decode_cursor(args.after, width, types) if args.after else None,
        before=decode_cursor(args.before, width, types) if args.before else None,
    )


def cursor_of(row: Any, order: Sequence[OrderKey]) -> str:
    return encode_cursor([getattr(row, c.key) for c, _ in order])


def build_connection(
    rows: Sequence[Any], args: PageArgs, order: Sequence[OrderKey],
    convert: Callable[[Any], T], count: Callable[[], Awaitable[int]] | None,
) -> Connection[T]:
    """Rows were fetched with one extra row to tell whether another page exists."""
    size = args.size
    more = len(rows) > size
    rows = list(rows[:size])
    if args.backwards:
        rows.reverse()
    edges = [Edge(convert(r), row=r, order=order) for r in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more if not args.backwards else args.before is not None,
            has_previous_page=more if args.backwards else args.after is not None,
            start_cursor=edges[0] if edges else None,
            end_cursor=edges[-1] if edges else None,
        ),
        count=count,
    )


async def paginate(
    ctx: Any, stmt: Any, *, order: Sequence[OrderKey], args: PageArgs,
    convert: Callable[[Any], T],
) -> Connection[T]:
    """One page of a resolver's `select(Model)...` by keyset; totalCount runs only when asked for."""
    paging.check_order(order)
    bounds = window(args, order)
    async with ctx.read() as session:
        rows = await paging.page(session, stmt, order, bounds)

    async def count() -> int:
        async with ctx.read() as session:
            return await paging.count(session, stmt)

    return build_connection(rows, args, order, convert, count)


def nested_pages(
    ctx: Any, name: str, model: Any, parent_col: Any,
    order: Sequence[OrderKey], *, where: Callable[[], Sequence[Any]] = lambda: (),
) -> NestedPages[Any]:
    """Pages of children for many parents in one statement per distinct PageArgs.

    Returns `load(parent_id, args, convert)` (awaitable; see NestedPages for the
    synchronous and prefetching forms). Each parent's page is the first
    rows of its partition (ROW_NUMBER() OVER (PARTITION BY parent)), so a list
    of 100 customers with their orders costs one query, not 100.
    """
    made = ctx.memo.get(("nested_pages", name))
    if made is not None:  # a page of 100 parents asks 100 times
        return made
    paging.check_order(order)

    async def load_pages(session: DbSession, keys: Sequence[tuple[int, PageArgs]]) -> list[Any]:
        groups: dict[PageArgs, list[int]] = defaultdict(list)
        for parent_id, args in keys:
            groups[args].append(parent_id)
        found: dict[tuple[int, PageArgs], list[Any]] = {}
        for args, parents in groups.items():
            pages = await paging.children_pages(
                session, model, parent_col, order, where(), parents, window(args, order)
            )
            found.update(((parent_id, args), rows) for parent_id, rows in pages.rows.items())
            if pages.totals is not None:  # the counts came with the pages: no count statement
                counts = ctx.loader(("counts", name), load_counts)
                for parent_id in parents:
                    counts.prime(parent_id, pages.totals.get(parent_id, 0))
        return [found.get(k, []) for k in keys]

    async def load_counts(session: DbSession, parents: Sequence[int]) -> list[int]:
        counts = await paging.children_counts(session, parent_col, where(), parents)
        return [counts.get(p, 0) for p in parents]

    made = ctx.memo[("nested_pages", name)] = NestedPages(
        ctx.loader(("pages", name), load_pages), ctx.loader(("counts", name), load_counts), order)
    return made


class NestedPages(Generic[T]):
    """A parent's page of children through the request's batching loaders."""

    def __init__(self, rows: Any, counts: Any, order: Sequence[OrderKey]) -> None:
        self.rows, self.counts, self.order = rows, counts, order

    def _connection(self, parent_id: int, rows: Sequence[Any], args: PageArgs,
                    convert: Callable[[Any], T]) -> Connection[T]:
        async def count() -> int:
            return await self.counts.load(parent_id)

        return build_connection(rows, args, self.order, convert, count)

    async def __call__(self, parent_id: int, args: PageArgs, convert: Callable[[Any], T]) -> Connection[T]:
        rows = await self.rows.load((parent_id, args))
        return self._connection(parent_id, rows, args, convert)

    def cached(self, parent_id: int, args: PageArgs, convert: Callable[[Any], T]) -> Connection[T] | None:
        """The page if this request already loaded it (see prefetch), else None."""
        rows = peek(self.rows, (parent_id, args))
        return None if rows is MISS else self._connection(parent_id, rows, args, convert)

    async def prefetch(self, parent_ids: Sequence[int], args: PageArgs) -> None:
        """Loads the pages of all these parents in one batch."""
        await self.rows.load_many([(p, args) for p in parent_ids])
