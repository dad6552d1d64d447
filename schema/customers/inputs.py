"""Customer inputs: filter, order, create/update, payload."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from schema.customers.identity import CustomerWarning
from schema.customers.types import Customer
from schema.errors import UserError


@strawberry.input
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None, description="Words found (case-insensitive) in name, email, phone or externalRef."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Customers having all these tags.")
    tier_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Membership tiers.")
    node_id: strawberry.ID | None = strawberry.field(default=None, description="The node's whole subtree.")
    created_after: datetime | None = None
    created_before: datetime | None = None


@strawberry.enum
class CustomerOrderField(Enum):
    CREATED_AT = "created_at"
    NAME = "name"
    UPDATED_AT = "updated_at"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="Sort order; ties are broken by id, so paging is stable.")
class CustomerOrder:
    field: CustomerOrderField = CustomerOrderField.CREATED_AT
    direction: SortDirection = SortDirection.DESC


@strawberry.input
class CreateCustomerInput:
    node_id: strawberry.ID
    name: str
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="Any format; stored as E.164.")
    locale: str | None = strawberry.field(default=None, description="BCP 47; default: the store's.")
    external_ref: str | None = None
    tags: list[str] | None = None
    attributes: JSON | None = None


@strawberry.input(description="Omitted fields stay; null clears email, phone and locale.")
class UpdateCustomerInput:
    id: strawberry.ID
    node_id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    attributes: JSON | None = strawberry.UNSET


@strawberry.type
class CustomerPayload:
    customer: Customer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    warnings: list[CustomerWarning] = strawberry.field(
        default_factory=list, description="createCustomer: a likely duplicate it found (the customer is created).")
