"""The page of 100 beside its peers, in one process and one run (issue 17 step 5).

Four ways to answer `limits.page_query()` for the same 100 customers, each timed as the
median of `repeat` runs after a warm-up, each including its SQL and its orjson serialisation.
Timed in this process's CPU time: every part runs in this process (SQLite's too), and on a
shared machine wall time mostly measures the other processes. The GC is set as a serving
process sets it (gcsetup.freeze_startup_heap), for all four alike.

- raw: minimal SQL (`limits.page_rows`) + orjson, the floor every ratio is taken against;
- canopy: Canopy's own schema (`schema.execute` with a request Context, loaders, permissions,
  masking, cost) + orjson;
- strawberry: a bare strawberry schema with the same types and selection, resolving the rows
  the raw SQL read (parser and validation caches on, as Canopy has them);
- graphql-core: a bare graphql-core schema (SDL, default resolvers over the same dicts),
  the document parsed and validated once.
The peers say what the library costs by itself, so Canopy's ratio has its context.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import graphql
import orjson
import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from bench import limits
from config import Settings
from db.session import Database
from gcsetup import freeze_startup_heap
from resolvers.core.auth import viewer_for_token
from schema import build_schema
from schema.context import AppState, Context

SDL = """
type Query { customers(first: Int!): CustomerConnection! }
type CustomerConnection { edges: [CustomerEdge!]! }
type CustomerEdge { node: Customer! }
type Customer {
  id: ID! name: String! email: String phone: String node: TierNode!
  membership: Membership orders(first: Int): OrderConnection!
}
type TierNode { id: ID! name: String! code: String! }
type Membership { pointsBalance: Int! tier: Tier }
type Tier { name: String! }
type OrderConnection { edges: [OrderEdge!]! }
type OrderEdge { node: Order! }
type Order { number: String! placedAt: String! total: Money! }
type Money { amount: String! currency: String! }
"""


@strawberry.type(name="TierNode")
class PeerNode:
    id: strawberry.ID
    name: str
    code: str


@strawberry.type(name="Tier")
class PeerTier:
    name: str


@strawberry.type(name="Membership")
class PeerMembership:
    points_balance: int
    tier: PeerTier | None


@strawberry.type(name="Money")
class PeerMoney:
    amount: str
    currency: str


@strawberry.type(name="Order")
class PeerOrder:
    number: str
    placed_at: str
    total: PeerMoney


@strawberry.type(name="OrderEdge")
class PeerOrderEdge:
    node: PeerOrder


@strawberry.type(name="OrderConnection")
class PeerOrders:
    edges: list[PeerOrderEdge]


@strawberry.type(name="Customer")
class PeerCustomer:
    id: strawberry.ID
    name: str
    email: str | None
    phone: str | None
    node: PeerNode
    membership: PeerMembership | None
    order_page: strawberry.Private[PeerOrders]

    @strawberry.field
    def orders(self, first: int | None = None) -> PeerOrders:
        return self.order_page

    @classmethod
    def of(cls, row: dict[str, Any]) -> PeerCustomer:
        m = row["membership"]
        return cls(
            id=strawberry.ID(row["id"]), name=row["name"], email=row["email"], phone=row["phone"],
            node=PeerNode(**row["node"]),
            membership=PeerMembership(points_balance=m["pointsBalance"], tier=PeerTier(**m["tier"]) if m["tier"] else None)
            if m else None,
            order_page=PeerOrders(edges=[PeerOrderEdge(node=PeerOrder(
                number=o["node"]["number"], placed_at=o["node"]["placedAt"], total=PeerMoney(**o["node"]["total"]),
            )) for o in row["orders"]["edges"]]),
        )


@strawberry.type(name="CustomerEdge")
class PeerEdge:
    node: PeerCustomer


@strawberry.type(name="CustomerConnection")
class PeerConnection:
    edges: list[PeerEdge]


def strawberry_peer(db: Database, tenant_id: int) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        async def customers(self, first: int) -> PeerConnection:
            rows = await limits.page_rows(db, tenant_id, first)
            return PeerConnection(edges=[PeerEdge(node=PeerCustomer.of(r)) for r in rows])

    return strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache])


def graphql_core_peer(db: Database, tenant_id: int) -> graphql.GraphQLSchema:
    peer = graphql.build_schema(SDL)

    async def customers(_root: Any, _info: Any, first: int) -> dict[str, Any]:
        return {"edges": [{"node": r} for r in await limits.page_rows(db, tenant_id, first)]}

    peer.query_type.fields["customers"].resolve = customers  # type: ignore[union-attr]
    return peer


async def _median_ms(fn: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """Median CPU ms of this process per call, after one warm-up."""
    await fn()
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        await fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples) * 1000


def _edges(body: bytes) -> list[dict[str, Any]]:
    parsed = orjson.loads(body)
    assert not parsed.get("errors"), parsed["errors"]
    return parsed["data"]["customers"]["edges"]


async def bench_peers(db: Database, tenant_id: int, token: str, out: dict[str, Any], *,
                      size: int = 100, repeat: int = 20) -> None:
    """page100_{raw,canopy,strawberry,graphql_core}_ms and each one's ratio to raw."""
    query, variables = limits.page_query(), {"first": size}
    state = AppState(settings=Settings(database_url=db.url), db=db)
    canopy = build_schema()
    async with db.session() as session:
        viewer = await viewer_for_token(session, token)  # verified once: the peers check no token
    bare_strawberry = strawberry_peer(db, tenant_id)
    bare_core = graphql_core_peer(db, tenant_id)
    document = graphql.parse(query)
    assert not graphql.validate(bare_core, document)
    freeze_startup_heap()

    async def raw() -> bytes:
        return await limits.page_raw(db, tenant_id, size)

    async def through_canopy() -> bytes:
        ctx = Context(state)
        ctx.set_viewer(viewer)
        result = await canopy.execute(query, variable_values=variables, context_value=ctx)
        await ctx.close()
        return orjson.dumps({"data": result.data, **({"errors": result.errors} if result.errors else {})})

    async def through_strawberry() -> bytes:
        result = await bare_strawberry.execute(query, variable_values=variables)
        return orjson.dumps({"data": result.data, **({"errors": result.errors} if result.errors else {})})

    async def through_graphql_core() -> bytes:
        result = await graphql.execute(bare_core, document, variable_values=variables)  # type: ignore[misc]
        return orjson.dumps({"data": result.data, **({"errors": result.errors} if result.errors else {})})

    # The peers answer exactly the raw payload; Canopy the same customers (with global ids).
    floor = _edges(await raw())
    assert _edges(await through_strawberry()) == floor == _edges(await through_graphql_core())
    assert len(_edges(await through_canopy())) == len(floor)
    out["page100_rows"] = len(floor)
    for name, fn in (("raw", raw), ("canopy", through_canopy), ("strawberry", through_strawberry),
                     ("graphql_core", through_graphql_core)):
        out[f"page100_{name}_ms"] = await _median_ms(fn, repeat)
    for name in ("canopy", "strawberry", "graphql_core"):
        out[f"page100_{name}_ratio"] = out[f"page100_{name}_ms"] / out["page100_raw_ms"]


def rows(out: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table's rows: each way's time and its ratio to raw SQL + orjson."""
    return [
        ("page of 100, raw SQL + orjson (CPU, in process)", f"{out['page100_raw_ms']:.1f} ms",
         f"{out['page100_rows']} customers, the floor"),
        ("  Canopy schema.execute + orjson", f"{out['page100_canopy_ms']:.1f} ms",
         f"{out['page100_canopy_ratio']:.2f}x raw (target ≤ 1.5x)"),
        ("  bare strawberry, same types/selection/rows", f"{out['page100_strawberry_ms']:.1f} ms",
         f"{out['page100_strawberry_ratio']:.2f}x raw"),
        ("  bare graphql-core, same types/selection/rows", f"{out['page100_graphql_core_ms']:.1f} ms",
         f"{out['page100_graphql_core_ratio']:.2f}x raw"),
    ]
