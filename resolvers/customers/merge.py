"""Merging duplicate customers into one survivor, in one transaction.

What moves (docs/identity.md): the rows of REPOINTED follow the survivor; memberships of a
program only a merged customer has are re-pointed whole; two memberships of one program
are combined (ledger.transfer_balance: a MERGE pair, lots moved with their dates, the
source keeps its entries and points at the target); the tier is recomputed from the
combined qualifying points with a tier-history row; tags are unioned; each field takes
the value `field_choices` names, else the survivor's, else the first merged customer's
that has one. Merged customers stay as tombstones (`merged_into_id`), so their ids and
externalRefs resolve to the survivor. A dry run does all of it in a savepoint, reads the
outcome and rolls back: the prediction is the real merge's result by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import audit
from db.base import utcnow
from db.models.chat import ChatAccount
from db.models.consent import ConsentRecord
from db.models.customers import Customer
from db.models.membership import (
    Coupon,
    Membership,
    MembershipProgram,
    MembershipTier,
    PointsLot,
    TierChange,
)
from db.models.orders import Order
from db.models.pipeline import Opportunity, Task
from db.models.service import Interaction, Ticket
from db.models.tree import TierNode
from db.outbox import emit
from resolvers.common.errors import DomainError, ErrorCode, Problems, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import MAX_TAGS, replace_tags, search_text
from resolvers.customers.identity import set_keys
from resolvers.membership import ledger

# Tables whose customer_id follows the survivor, by the kind the result counts them under.
# A table added later that refers to customers adds one line here (tests/customers/test_merge.py
# fails for any customer_id column that is neither here nor in HANDLED).
REPOINTED: dict[str, Any] = {
    "orders": Order,
    "tickets": Ticket,
    "interactions": Interaction,
    "opportunities": Opportunity,
    "tasks": Task,
    "coupons": Coupon,
    # Statements move with their history: the survivor's current consent is the latest of either.
    "consents": ConsentRecord,
}
# membership: combined below; customer_tag: unioned; campaign_recipient: a launched campaign's
# audience is a snapshot (its results stay as measured), so it stays with the merged customer;
# customer_order_stats: recomputed by the triggers on sales_order as the orders move.
HANDLED = {"membership", "customer_tag", "campaign_recipient", "customer_order_stats"}
MAX_MERGED = 20
FIELDS = {"name": "name", "email": "email", "phone": "phone", "locale": "locale", "nodeId": "node_id",
          "attributes": "attributes"}


@dataclass
class MembershipOutcome:
    program_id: int
    program_name: str
    membership_id: int
    points_balance: int
    qualifying_points: int
    tier: str
    lots: list[tuple[int, str | None]]  # (remaining, expires_at ISO) in FIFO order


@dataclass
class MergeOutcome:
    """What a merge changes (or, dry, would change): identical for a dry run and the real one."""

    survivor_id: int
    merged_ids: list[int]
    counts: dict[str, int]
    values: dict[str, Any]
    memberships: list[MembershipOutcome] = field(default_factory=list)


@dataclass
class MergeResult:
    survivor: Customer
    outcome: MergeOutcome
    dry_run: bool


class _Rollback(Exception):
    def __init__(self, outcome: MergeOutcome) -> None:
        self.outcome = outcome


def check_input(survivor_id: int | None, merged_ids: list[int | None], choices: list[tuple[str, int | None]]) -> None:
    """Shape of the input, before the database: each problem on its field."""
    problems = Problems()
    if not merged_ids:
        problems.add(ErrorCode.INVALID, "give at least one customer to merge", "mergedIds")
    if len(merged_ids) > MAX_MERGED:
        problems.add(ErrorCode.INVALID, f"at most {MAX_MERGED} customers per merge", "mergedIds")
    seen: set[int] = set()
    for i, pk in enumerate(merged_ids):
        if pk is not None and pk == survivor_id:
            problems.add(ErrorCode.INVALID, "the survivor cannot be merged into itself", ("mergedIds", i))
        elif pk is not None and pk in seen:
            problems.add(ErrorCode.INVALID, "this customer is listed twice", ("mergedIds", i))
        if pk is not None:
            seen.add(pk)
    involved = {survivor_id, *merged_ids}
    for i, (name, pk) in enumerate(choices):
        key = name.split(".", 1)
        if key[0] not in FIELDS or (len(key) == 2 and (key[0] != "attributes" or not key[1])):
            problems.add(ErrorCode.INVALID, f"unknown field {name!r}; one of {', '.join(FIELDS)} or attributes.KEY",
                         ("fieldChoices", i, "field"))
        if pk is None or pk not in involved:
            problems.add(ErrorCode.INVALID, "must be the survivor or one of mergedIds", ("fieldChoices", i, "customerId"))
    problems.raise_if_any()


async def _load(session: AsyncSession, viewer: Viewer, survivor_id: int | None,
                merged_ids: list[int | None]) -> tuple[Customer, list[Customer]]:
    """The customers, locked in id order (PostgreSQL), each in scope and live, else its field's error."""
    ids = [i for i in {survivor_id, *merged_ids} if i is not None]
    rows = {c.id: (c, path) for c, path in (await session.execute(
        select(Customer, TierNode.path).join(TierNode, TierNode.id == Customer.node_id)
        .where(Customer.id.in_(ids)).order_by(Customer.id)
        .with_for_update(of=Customer).execution_options(populate_existing=True)
    )).all()}

    def live(pk: int | None, where: str | tuple[str, int]) -> Customer:
        found = rows.get(pk) if pk is not None else None
        if found is None or not viewer.in_scope(found[1]):
            raise not_found("customer", where)
        customer = found[0]
        if customer.merged_into_id is not None:
            raise DomainError(ErrorCode.CONFLICT, "this customer was already merged", where)
        if customer.erased_at is not None:
            raise DomainError(ErrorCode.INVALID, "an erased customer cannot be merged", where)
        return customer

    survivor = live(survivor_id, "survivorId")
    return survivor, [live(pk, ("mergedIds", i)) for i, pk in enumerate(merged_ids)]


def _values(survivor: Customer, merged: list[Customer], choices: list[tuple[str, int | None]]) -> dict[str, Any]:
    """The survivor's fields after the merge."""
    everyone = [survivor, *merged]
    by_id = {c.id: c for c in everyone}
    chosen = dict(choices)
    out: dict[str, Any] = {}
    for name, attr in FIELDS.items():
        if name == "attributes":
            continue
        if name in chosen:
            out[attr] = getattr(by_id[chosen[name]], attr)  # type: ignore[index]
        else:
            out[attr] = next((getattr(c, attr) for c in everyone if getattr(c, attr) is not None), None)
    if "attributes" in chosen:
        attributes = dict(by_id[chosen["attributes"]].attributes or {})  # type: ignore[index]
    else:
        attributes = {}
        for c in reversed(everyone):  # the survivor's keys win, then earlier merged customers'
            attributes.update(c.attributes or {})
    for name, pk in choices:
        if name.startswith("attributes."):
            key, source = name.split(".", 1)[1], by_id[pk].attributes or {}  # type: ignore[index]
            if key in source:
                attributes[key] = source[key]
            else:
                attributes.pop(key, None)
    out["attributes"] = attributes
    out["tags"] = sorted({t for c in everyone for t in (c.tags or [])})
    if len(out["tags"]) > MAX_TAGS:
        raise DomainError(ErrorCode.INVALID, f"the merged customers hold more than {MAX_TAGS} tags", "mergedIds")
    return out


async def _repoint(session: AsyncSession, model: Any, column: Any, old: list[int], new: int,
                   node_id: int) -> int:
    """UPDATE model SET column = new WHERE column = each old value, every changed row audited.

    One statement per old value (a handful), none per row: RETURNING gives the ids to audit.
    """
    total = 0
    for value in old:
        changed = (await session.execute(
            update(model).where(column == value).values({column.key: new})
            .returning(model.tenant_id, model.id).execution_options(synchronize_session=False)
        )).all()
        for tenant_id, row_id in changed:
            audit.record(session.sync_session, tenant_id=tenant_id, entity_type=audit.entity_type_of(model),
                         entity_id=row_id, changes={column.key: [value, new]}, node_id=node_id)
        total += len(changed)
    return total


async def _memberships(session: AsyncSession, survivor: Customer, merged: list[Customer],
                       counts: dict[str, int]) -> list[Membership]:
    """Combine memberships per program; return the survivor's memberships touched."""
    order = {c.id: i for i, c in enumerate([survivor, *merged])}
    rows = (await session.scalars(
        select(Membership).where(Membership.customer_id.in_(list(order)), Membership.merged_into_id.is_(None))
        .order_by(Membership.id).with_for_update().execution_options(populate_existing=True)
    )).all()
    by_program: dict[int, list[Membership]] = {}
    for m in sorted(rows, key=lambda m: (order[m.customer_id], m.joined_at, m.id)):
        by_program.setdefault(m.program_id, []).append(m)
    touched = []
    note = f"merge into customer {survivor.id}"
    for members in by_program.values():
        target, sources = members[0], members[1:]
        if target.customer_id != survivor.id:
            target.customer_id = survivor.id  # the survivor was no member: this one becomes theirs
            counts["memberships"] += 1
        touched.append(target)
        for source in sources:
            counts["points"] += source.points_balance
            await ledger.transfer_balance(session, source, target, note=note)
            source.merged_into_id = target.id
            target.joined_at = min(target.joined_at, source.joined_at)
            counts["memberships"] += 1
        source_ids = [s.id for s in sources]
        if source_ids:
            await _repoint(session, Membership, Membership.merged_into_id, source_ids, target.id, survivor.node_id)
            # Counted once below, with the coupons' customer_id.
            await _repoint(session, Coupon, Coupon.membership_id, source_ids, target.id, survivor.node_id)
            await session.flush()
            await _recompute_tier(session, target, members)
    return touched


async def _recompute_tier(session: AsyncSession, target: Membership, members: list[Membership]) -> None:
    """The tier the combined qualifying points reach, never below the best tier held; one history row."""
    now = utcnow()
    qualifying = await ledger.qualifying_points(session, target.id, now)
    tiers = (await session.scalars(
        select(MembershipTier).where(MembershipTier.program_id == target.program_id).order_by(MembershipTier.rank)
    )).all()
    index = {t.id: i for i, t in enumerate(tiers)}
    held = max(index[m.tier_id] for m in members)
    reached = max(i for i, t in enumerate(tiers) if t.threshold <= qualifying or i == 0)
    new = tiers[max(held, reached)]
    before = tiers[index[target.tier_id]]
    target.qualifying_points = qualifying
    moved = "upgrade" if new.rank > before.rank else "unchanged"
    reason = f"{moved} after a merge of customers: {qualifying} qualifying points"
    if new.id != before.id:
        await ledger.record_tier_change(session, target, new, reason=reason, at=now, from_tier=before)
    else:  # the history still records the merge's evaluation
        session.add(TierChange(tenant_id=target.tenant_id, membership_id=target.id, from_tier_id=before.id,
                               to_tier_id=new.id, reason=reason, at=now))
        await session.flush()


async def _chat_contexts(session: AsyncSession, survivor: Customer, merged: list[Customer]) -> int:
    """Bot conversations whose customer in context is a merged one now hold the survivor."""
    from schema.relay import to_global_id  # the bots keep global ids in their state

    old = {str(to_global_id("Customer", c.id)) for c in merged}
    moved = 0
    for account in (await session.scalars(select(ChatAccount))).all():
        context = (account.state or {}).get("customer")
        if isinstance(context, dict) and context.get("id") in old:
            account.state = {**account.state, "customer": {"id": str(to_global_id("Customer", survivor.id)),
                                                           "name": survivor.name}}
            account.version += 1
            moved += 1
    return moved


async def _outcome(session: AsyncSession, survivor: Customer, merged: list[Customer], counts: dict[str, int],
                   touched: list[Membership]) -> MergeOutcome:
    memberships = []
    for m in touched:
        program = await session.get(MembershipProgram, (m.tenant_id, m.program_id))
        tier = await session.get(MembershipTier, (m.tenant_id, m.tier_id))
        assert program is not None and tier is not None
        lots = (await session.scalars(
            select(PointsLot).where(PointsLot.membership_id == m.id, PointsLot.remaining > 0)
            .order_by(PointsLot.created_at, PointsLot.id)
        )).all()
        memberships.append(MembershipOutcome(
            program_id=m.program_id, program_name=program.name, membership_id=m.id,
            points_balance=m.points_balance, qualifying_points=m.qualifying_points, tier=tier.name,
            lots=[(lot.remaining, lot.expires_at.isoformat() if lot.expires_at else None) for lot in lots],
        ))
    values = {k: getattr(survivor, k) for k in ("name", "email", "phone", "locale", "node_id", "tags", "attributes")}
    return MergeOutcome(survivor_id=survivor.id, merged_ids=[c.id for c in merged], counts=dict(counts),
                        values=values, memberships=memberships)


async def _merge(session: AsyncSession, viewer: Viewer, survivor_id: int | None, merged_ids: list[int | None],
                 choices: list[tuple[str, int | None]]) -> tuple[Customer, MergeOutcome]:
    survivor, merged = await _load(session, viewer, survivor_id, merged_ids)
    values = _values(survivor, merged, choices)
    counts = {kind: 0 for kind in ("memberships", "points", *REPOINTED, "chatContexts")}
    old_ids = [c.id for c in merged]
    # Memberships and tickets first: their triggers move the counters while the merged are still live.
    touched = await _memberships(session, survivor, merged, counts)
    for kind, model in REPOINTED.items():
        counts[kind] += await _repoint(session, model, model.customer_id, old_ids, survivor.id, survivor.node_id)
    counts["chatContexts"] = await _chat_contexts(session, survivor, merged)
    old_tags = set(survivor.tags or [])
    for key, value in values.items():
        setattr(survivor, key, value)
    survivor.search_text = search_text(survivor)
    set_keys(survivor)
    await replace_tags(session, survivor.id, old_tags, set(survivor.tags))
    for customer in merged:
        customer.merged_into_id = survivor.id
    await session.flush()
    # Customers merged into the merged ones earlier point at the survivor too (no chains).
    await _repoint(session, Customer, Customer.merged_into_id, old_ids, survivor.id, survivor.node_id)
    return survivor, await _outcome(session, survivor, merged, counts, touched)


async def merge_customers(
    session: AsyncSession, viewer: Viewer, *, survivor_id: int | None, merged_ids: list[int | None],
    field_choices: Sequence[tuple[str, int | None]] = (), dry_run: bool = False,
) -> MergeResult:
    """Merge `merged_ids` into `survivor_id` (see the module's docstring); CUSTOMER_MERGED once."""
    require(viewer, "customer.write")
    choices = list(field_choices)
    check_input(survivor_id, merged_ids, choices)
    if not dry_run:
        survivor, outcome = await _merge(session, viewer, survivor_id, merged_ids, choices)
        emit(session, "CUSTOMER_MERGED", subject=survivor, node_id=survivor.node_id,
             data={"mergedIds": outcome.merged_ids, "counts": outcome.counts})
        return MergeResult(survivor, outcome, dry_run=False)
    sync = session.sync_session
    mark = audit.snapshot(sync)
    events = sync.info.setdefault("events_pending", [])
    n_events = len(events)
    try:
        async with session.begin_nested():
            _, outcome = await _merge(session, viewer, survivor_id, merged_ids, choices)
            raise _Rollback(outcome)
    except _Rollback as done:
        outcome = done.outcome
    finally:
        audit.restore(sync, mark)
        audit.release(sync, mark)
        del events[n_events:]
    audit.dry_run(sync)
    survivor = await session.get(Customer, (viewer.tenant_id, outcome.survivor_id), populate_existing=True)
    assert survivor is not None
    return MergeResult(survivor, outcome, dry_run=True)
