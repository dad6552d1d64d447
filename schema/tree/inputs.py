"""Inputs and payloads of the tier tree mutations."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers.common.errors import DomainError, ErrorCode
from schema.errors import UserError
from schema.mutation import input_dict
from schema.relay import decode_id
from schema.tree.types import TierNode


@strawberry.input(description="Omitted: unchanged; null: inherit from the parent.")
class NodeSettingsInput:
    currency: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    membership_program_id: strawberry.ID | None = strawberry.UNSET

    def values(self) -> dict[str, Any]:
        """The settings given, the program id decoded (raises INVALID when malformed)."""
        given = input_dict(self)
        program = given.get("membership_program_id")
        if program is not None:
            given["membership_program_id"] = decode_id(program, "MembershipProgram")
            if given["membership_program_id"] is None:
                raise DomainError(ErrorCode.INVALID, "not a MembershipProgram id",
                                  ("settings", "membershipProgramId"))
        return given


@strawberry.input
class CreateTierNodeInput:
    parent_id: strawberry.ID
    code: str
    name: str
    kind: str
    settings: NodeSettingsInput | None = None


@strawberry.input
class UpdateTierNodeInput:
    id: strawberry.ID
    name: str | None = None
    kind: str | None = None
    settings: NodeSettingsInput | None = None


@strawberry.input
class MoveTierNodeInput:
    id: strawberry.ID
    new_parent_id: strawberry.ID


@strawberry.input
class DeleteTierNodeInput:
    id: strawberry.ID


@strawberry.type
class TierNodePayload:
    tier_node: TierNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteTierNodePayload:
    deleted_tier_node_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
