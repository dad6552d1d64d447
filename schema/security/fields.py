"""Root fields of security: the audit trail and GDPR access and erasure."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from db.models.core import AuditEntry as AuditRow
from db.session import DbSession
from resolvers.common.errors import DomainError
from resolvers.common.viewer import Viewer
from resolvers.security import gdpr
from resolvers.security.audit_log import visible_entries
from schema.customers.inputs import CustomerPayload
from schema.customers.types import Customer
from schema.errors import PublicError
from schema.mutation import run_mutation
from schema.permissions import requires
from schema.relay import Connection, decode_id, from_global_id, page_args, paginate, register_node
from schema.security.types import AuditEntry, fetch_audit_entries

register_node(AuditEntry, fetch_audit_entries)


@strawberry.input
class EraseCustomerInput:
    id: strawberry.ID


@strawberry.type
class Query:
    @strawberry.field(
        description="Who changed what, newest first (admins and managers, within their subtree).",
        extensions=requires("audit.read"),
    )
    async def audit_log(
        self, info: Info, entity_id: strawberry.ID | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        args = page_args(first, after)
        entity = from_global_id(entity_id) if entity_id is not None else None
        if entity_id is not None and entity is None:
            entity = ("", 0)  # malformed: matches nothing
        stmt = visible_entries(info.context.viewer, entity=entity)
        return await paginate(
            info.context, stmt, order=[(AuditRow.id, True)], args=args, convert=AuditEntry.from_row
        )

    @strawberry.field(
        description="GDPR access: everything held about one customer, as JSON.",
        extensions=requires("customer.export"),
    )
    async def export_customer(self, info: Info, id: strawberry.ID) -> JSON:
        customer_id = decode_id(id, "Customer") or 0
        try:
            async with info.context.read() as session:
                return await gdpr.export_customer(session, info.context.viewer, customer_id=customer_id)
        except DomainError as exc:
            raise PublicError(str(exc), exc.problems[0].code.value) from exc


@strawberry.type
class Mutation:
    @strawberry.mutation(description="GDPR erasure: personal data removed everywhere, aggregates kept.")
    async def erase_customer(self, info: Info, input: EraseCustomerInput) -> CustomerPayload:
        customer_id = decode_id(input.id, "Customer") or 0

        async def service(session: DbSession, viewer: Viewer) -> Any:
            return await gdpr.erase_customer(session, viewer, customer_id=customer_id)

        row, errors = await run_mutation(info, "eraseCustomer", service)
        return CustomerPayload(customer=Customer.from_row(row) if row else None, errors=errors)
