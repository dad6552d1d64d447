"""Segment rule inputs: a typed filter tree (docs/marketing.md), and the segment mutations' inputs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.consent.types import ConsentChannel, ConsentPurpose
from schema.errors import UserError
from schema.marketing.types import Segment
from schema.relay import decode_id
from schema.reports.rfm import RfmSegment


@strawberry.input(description="Both ends included; give min, max or both.")
class IntRangeInput:
    min: int | None = None
    max: int | None = None


@strawberry.input(description="In the reporting currency; both ends included.")
class MoneyRangeInput:
    min: Decimal | None = None
    max: Decimal | None = None


@strawberry.input(description="Paid orders placed in [since, until) or in the last withinDays days, counted.")
class OrderCountRuleInput:
    min: int | None = None
    max: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    within_days: int | None = None


@strawberry.input
class AttributeRuleInput:
    key: str
    value: JSON = strawberry.field(description="A string, number or boolean.")


@strawberry.input
class ConsentRuleInput:
    channel: ConsentChannel  # type: ignore[valid-type]
    purpose: ConsentPurpose = strawberry.field(default=ConsentPurpose.MARKETING)  # type: ignore[valid-type]


@strawberry.input(description="One condition per part: and/or/not combine parts.")
class SegmentRuleInput:
    and_: list[SegmentRuleInput] | None = strawberry.field(default=None, name="and")
    or_: list[SegmentRuleInput] | None = strawberry.field(default=None, name="or")
    not_: SegmentRuleInput | None = strawberry.field(default=None, name="not")
    subtree: strawberry.ID | None = strawberry.field(default=None, description="A tier node: its whole subtree.")
    tags: list[str] | None = strawberry.field(default=None, description="Having all these tags.")
    tier_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Members of any of these tiers.")
    points_balance: IntRangeInput | None = None
    rfm_segments: list[RfmSegment] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="RFM segment among the customers of the segment's node.")
    last_order_before: datetime | None = None
    last_order_after: datetime | None = None
    last_order_within_days: int | None = None
    lifetime_value: MoneyRangeInput | None = None
    order_count: OrderCountRuleInput | None = None
    attribute: AttributeRuleInput | None = strawberry.field(default=None, description="attributes[key] equals value.")
    consent: ConsentRuleInput | None = strawberry.field(default=None, description="Consent granted now.")


def _range(r: Any) -> dict[str, Any]:
    return {"min": r.min, "max": r.max}


def rule_dict(rule: SegmentRuleInput | None) -> dict[str, Any]:
    """The service's raw rule: global ids decoded (0 where malformed: NOT_FOUND), one key per given field."""
    if rule is None:
        return {}
    out: dict[str, Any] = {}
    if rule.and_ is not None:
        out["and"] = [rule_dict(r) for r in rule.and_]
    if rule.or_ is not None:
        out["or"] = [rule_dict(r) for r in rule.or_]
    if rule.not_ is not None:
        out["not"] = rule_dict(rule.not_)
    if rule.subtree is not None:
        out["subtree"] = decode_id(rule.subtree, "TierNode") or 0
    if rule.tags is not None:
        out["tags"] = rule.tags
    if rule.tier_ids is not None:
        out["tiers"] = [decode_id(t, "MembershipTier") or 0 for t in rule.tier_ids]
    if rule.points_balance is not None:
        out["pointsBalance"] = _range(rule.points_balance)
    if rule.rfm_segments is not None:
        out["rfm"] = [s.value for s in rule.rfm_segments]
    for key in ("last_order_before", "last_order_after", "last_order_within_days"):
        if getattr(rule, key) is not None:
            out["".join(p.title() if i else p for i, p in enumerate(key.split("_")))] = getattr(rule, key)
    if rule.lifetime_value is not None:
        out["lifetimeValue"] = _range(rule.lifetime_value)
    if rule.order_count is not None:
        c = rule.order_count
        out["orderCount"] = {**_range(c), "since": c.since, "until": c.until, "within_days": c.within_days}
    if rule.attribute is not None:
        out["attribute"] = {"key": rule.attribute.key, "value": rule.attribute.value}
    if rule.consent is not None:
        out["consent"] = {"channel": rule.consent.channel.value, "purpose": rule.consent.purpose.value}
    return out


@strawberry.input
class CreateSegmentInput:
    name: str
    node_id: strawberry.ID = strawberry.field(description="Whose customers the segment selects from.")
    rule: SegmentRuleInput


@strawberry.input(description="Omitted fields stay.")
class UpdateSegmentInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    node_id: strawberry.ID | None = strawberry.UNSET
    rule: SegmentRuleInput | None = strawberry.UNSET


@strawberry.input
class DeleteSegmentInput:
    id: strawberry.ID


@strawberry.type
class SegmentPayload:
    segment: Segment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
