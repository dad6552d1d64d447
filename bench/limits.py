"""What the suite measures against: the GraphQL queries and their hand-written limits.

The queries follow the contract; parts of a domain that is not installed are
left out (checked against the built schema), so the suite runs at every stage.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from sqlalchemy import bindparam, text

from db.models.core import Role
from db.session import Database
from schema import build_schema


def _has(type_name: str, field: str) -> bool:
    gql_type = build_schema().get_type_by_name(type_name)
    return gql_type is not None and any(f.graphql_name == field or f.python_name == field
                                        for f in gql_type.fields)  # type: ignore[union-attr]


def page_query() -> str:
    extra = ""
    if _has("Customer", "membership"):
        extra += " membership { pointsBalance tier { name } }"
    if _has("Customer", "orders"):
        extra += " orders(first: 3) { edges { node { number placedAt total { amount currency } } } }"
    return ("query($first: Int!) { customers(first: $first) { edges { node { id name email phone"
            f" node {{ id name code }}{extra} }} }} }} }}")


async def page_rows(db: Database, tenant_id: int, size: int) -> list[dict[str, Any]]:
    """The page's customers by minimal SQL, as the nodes of the response (the peers resolve these)."""
    async with db.session(tenant_id=tenant_id) as session:
        customers = (await session.execute(text(
            "SELECT id, name, email, phone, node_id FROM customer WHERE tenant_id = :t "
            "ORDER BY created_at DESC, id DESC LIMIT :n"), {"t": tenant_id, "n": size + 1})).all()[:size]
        node_ids = sorted({c.node_id for c in customers})
        nodes = {r.id: r for r in (await session.execute(text(
            "SELECT id, name, code FROM tier_node WHERE tenant_id = :t AND id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)), {"t": tenant_id, "ids": node_ids})).all()}
        extras = await page_raw_extras(session, tenant_id, [c.id for c in customers])
    return [{"id": str(c.id), "name": c.name, "email": c.email, "phone": c.phone,
             "node": {"id": str(c.node_id), "name": nodes[c.node_id].name, "code": nodes[c.node_id].code},
             **extras.get(c.id, {})} for c in customers]


async def page_raw(db: Database, tenant_id: int, size: int) -> bytes:
    """The same rows by minimal SQL, serialised with orjson: the floor for the page."""
    rows = await page_rows(db, tenant_id, size)
    return orjson.dumps({"data": {"customers": {"edges": [{"node": n} for n in rows]}}})


async def page_raw_extras(session: Any, tenant_id: int, customer_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Membership and the last 3 orders per customer, by minimal SQL."""
    ids = bindparam("ids", expanding=True)
    out: dict[int, dict[str, Any]] = {c: {"membership": None, "orders": {"edges": []}} for c in customer_ids}
    members = await session.execute(text(
        "SELECT m.customer_id, m.points_balance, t.name FROM membership m JOIN membership_tier t "
        "ON t.tenant_id = m.tenant_id AND t.id = m.tier_id WHERE m.tenant_id = :t AND m.customer_id IN :ids"
    ).bindparams(ids), {"t": tenant_id, "ids": customer_ids})
    for cid, balance, tier in members:
        out[cid]["membership"] = {"pointsBalance": balance, "tier": {"name": tier}}
    orders = await session.execute(text(
        "SELECT customer_id, number, placed_at, total_minor, currency FROM ("
        " SELECT o.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY placed_at DESC, id DESC) AS rn"
        " FROM sales_order o WHERE tenant_id = :t AND customer_id IN :ids) x WHERE rn <= 3"
        " ORDER BY customer_id, rn"
    ).bindparams(ids), {"t": tenant_id, "ids": customer_ids})
    for cid, number, placed, total, currency in orders:
        out[cid]["orders"]["edges"].append({"node": {"number": number, "placedAt": str(placed),
                                                     "total": {"amount": str(total), "currency": currency}}})
    return out


async def lookup_fixture(server: Any, gen: Any) -> tuple[str, list[str]]:
    """A SALES member of the busiest store and the phones of that store's customers."""
    from sqlalchemy import func, select

    from db.models.core import Staff
    from db.models.customers import Customer
    from resolvers.core.auth import issue_token

    db = Database(server.url)
    async with db.transaction(tenant_id=gen.tenant_id) as session:
        store_id, _n = (await session.execute(
            select(Customer.node_id, func.count()).group_by(Customer.node_id).order_by(func.count().desc()).limit(1)
        )).one()
        staff = await session.scalar(select(Staff).where(Staff.scope_node_id == store_id, Staff.role == Role.SALES))
        token, _ = await issue_token(session, staff, name="bench-lookup")
        phones = list((await session.scalars(select(Customer.phone).where(Customer.node_id == store_id).limit(200))).all())
    await db.dispose()
    return token, phones


FIND = "query($q: String!) { customers(first: 5, filter: {search: $q}) { edges { node { id name } } } }"


def card_fields() -> str:
    extra = ""
    if _has("Customer", "membership"):
        extra += " membership { pointsBalance tier { name } }"
    if _has("Customer", "lifetimeValue"):
        extra += " lifetimeValue { amount currency }"
    if _has("Customer", "orders"):
        extra += " orders(first: 3) { edges { node { number total { amount currency } } } }"
    if _has("Customer", "tickets"):
        extra += " tickets(first: 3, status: [OPEN, IN_PROGRESS, WAITING]) { edges { node { number subject } } }"
    return f"id name phone email node {{ name }}{extra}"


def card_query() -> str:
    return f"query($id: ID!) {{ customer(id: $id) {{ {card_fields()} }} }}"


def combined_query() -> str:
    """The bot's own find-and-card operation (bots/operations/find_card.graphql), as it sends it."""
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "bots" / "operations" / "find_card.graphql").read_text("utf-8")


async def lookup(client: httpx.AsyncClient, token: str, phone: str) -> None:
    """What the bot does for `/find <phone>` then the card: two GraphQL requests."""
    headers = {"Authorization": f"Bearer {token}"}
    found = (await client.post("/graphql", json={"query": FIND, "variables": {"q": phone}}, headers=headers)).json()
    edges = found["data"]["customers"]["edges"]
    if not edges:
        raise RuntimeError(f"lookup found nothing for {phone}")
    card = (await client.post("/graphql", json={"query": card_query(), "variables": {"id": edges[0]["node"]["id"]}},
                              headers=headers)).json()
    if card.get("errors"):
        raise RuntimeError(card["errors"])


async def lookup_combined(client: httpx.AsyncClient, token: str, phone: str) -> None:
    """The lookup as the bot sends it since FindCard: one GraphQL request for one match."""
    body = (await client.post("/graphql", json={"query": combined_query(), "variables": {"search": phone}},
                              headers={"Authorization": f"Bearer {token}"})).json()
    if body.get("errors") or not body["data"]["customers"]["edges"]:
        raise RuntimeError(f"lookup found nothing for {phone}: {body.get('errors')}")


async def extra_benches(db: Database, gen: Any, out: dict[str, Any]) -> None:
    """Benchmarks other domains contribute (event latency, import speed)."""


def extra_rows(out: dict[str, Any]) -> list[tuple[str, str, str]]:
    return []
