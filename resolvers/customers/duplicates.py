"""Duplicate candidates: pairs of live customers that look like one person, scored in SQL.

Pairs are found by blocking keys, each a self-join on an indexed key, so the database
pairs rows and Python never holds the customer list: the same E.164 phone (phone_bidx), the same
email_key, the same name_key (resolvers/customers/identity.py). Each pair's name
similarity is then scored: on PostgreSQL pg_trgm's similarity of the name keys (kept
from NAME_SIMILARITY up), on SQLite 1 for equal keys, else 0. Trigrams score pairs, they
do not find them: a trigram self-join over a tenant probes the index once per customer
and measured 21 s for 400 probes on 20,000 customers (bench/duplicates.py).

Score in per mille: 1000 * (1 - (1 - 0.6 phone) (1 - 0.6 email) (1 - 0.4 similarity)),
each reason an independent piece of evidence; a pair on phone and email scores 840.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, case, cast, false, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models.customers import Customer
from db.models.tree import TierNode, in_subtree
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.common.permissions import require, sees_pii
from resolvers.common.viewer import Viewer

WEIGHTS = {"phone": 0.6, "email": 0.6, "name": 0.4}
NAME_SIMILARITY = 0.5
WARN_SCORE = 400  # createCustomer warns from here: a shared phone, email or exact name


@dataclass(frozen=True)
class PairRow:
    low: int
    high: int
    score: int  # per mille
    phone: int
    email: int
    name: int  # name similarity per mille, 0 when no name reason

    @property
    def reasons(self) -> list[str]:
        return [r for r, on in (("SAME_PHONE", self.phone), ("SAME_EMAIL", self.email),
                                ("SIMILAR_NAME", self.name)) if on]


def _pairs(dialect: str, path: str, left_where: list[Any], pair: Any) -> Any:
    """(low, high, phone, email, name) per pair and reason; `pair(a, b, hint)` relates the two sides."""
    a, b = aliased(Customer, name="a"), aliased(Customer, name="b")
    scoped = select(TierNode.id).where(in_subtree(TierNode.path, path))
    # On SQLite tombstones, nodes and ids are compared as `x + 0`: otherwise its planner walks one
    # side by the primary key or node index (every pair: quadratic) instead of looking the key up.
    # PostgreSQL's planner needs no hint, and its estimates suffer from one (hash joins win there).
    h = (lambda c: c + 0) if dialect == "sqlite" else (lambda c: c)
    below_root = path.count("/") > 2  # the root's subtree is the whole tenant: no node filter
    live = [c for x in (a, b) for c in (h(x.merged_into_id).is_(None), x.erased_at.is_(None),
                                        *([h(x.node_id).in_(scoped)] if below_root else []))]
    where = [pair(a, b, h), *live, *left_where(a)]

    if dialect == "postgresql":
        similarity = func.similarity(a.name_key, b.name_key)
        name = case((similarity >= NAME_SIMILARITY, cast(func.round(similarity * 1000), Integer)), else_=0)
    else:
        name = case((a.name_key == b.name_key, 1000), else_=0)

    def source(on: Any, phone: int, email: int) -> Any:
        return (
            select(a.id.label("low"), b.id.label("high"), literal(phone).label("phone"),
                   literal(email).label("email"), name.label("name"))
            .select_from(a).join(b, and_(b.tenant_id == a.tenant_id, on)).where(*where)
        )

    sources = [source(b.phone_bidx == a.phone_bidx, 1, 0), source(b.email_key == a.email_key, 0, 1),
               source(b.name_key == a.name_key, 0, 0)]
    return union_all(*sources).subquery("reasons")


def _scored(reasons: Any) -> Any:
    grouped = (
        select(reasons.c.low, reasons.c.high, func.max(reasons.c.phone).label("phone"),
               func.max(reasons.c.email).label("email"), func.max(reasons.c.name).label("name"))
        .group_by(reasons.c.low, reasons.c.high).subquery("grouped")
    )
    w = WEIGHTS
    rest = ((1 - w["phone"] * grouped.c.phone) * (1 - w["email"] * grouped.c.email)
            * (1 - w["name"] * grouped.c.name / 1000.0))
    score = cast(func.round(1000 * (1 - rest)), Integer).label("score")
    return select(grouped.c.low, grouped.c.high, score, grouped.c.phone, grouped.c.email, grouped.c.name).subquery("pairs")


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


NEEDS_PII = "duplicate candidates compare personal data: needs the pii grant"


def may_list(viewer: Viewer) -> bool:
    """Pairs by phone and email would tell masked data apart: only viewers who see it."""
    return sees_pii(viewer)


def candidates_query(viewer: Viewer, dialect: str, node_path: str | None) -> tuple[Any, list[Any]]:
    """The statement of every candidate pair in the node's subtree (default: the viewer's scope)
    and its order keys (score, then ids, descending); a node outside the scope gives none."""
    require(viewer, "customer.read")
    if not may_list(viewer):
        raise DomainError(ErrorCode.FORBIDDEN, NEEDS_PII)
    path = node_path or viewer.scope_path
    pairs = _scored(_pairs(dialect, path, lambda a: [], lambda a, b, h: h(a.id) < h(b.id)))
    stmt = select(pairs)
    if not viewer.in_scope(path):
        stmt = stmt.where(false())
    return stmt, [(pairs.c.score, True), (pairs.c.low, True), (pairs.c.high, True)]


async def likely_duplicate(session: AsyncSession, viewer: Viewer, customer_id: int) -> PairRow | None:
    """The best-scoring live customer in the viewer's scope that looks like `customer_id` (one statement)."""
    reasons = _pairs(dialect_of(session), viewer.scope_path, lambda a: [a.id == customer_id],
                     lambda a, b, h: b.id != a.id)
    pairs = _scored(reasons)
    row = (await session.execute(
        select(pairs).where(pairs.c.score >= WARN_SCORE).order_by(pairs.c.score.desc(), pairs.c.high).limit(1)
    )).first()
    return PairRow(**row._mapping) if row is not None else None


def pair_of(row: Any) -> PairRow:
    return PairRow(**row._mapping)
