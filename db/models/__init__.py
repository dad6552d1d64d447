"""Every model module, imported so that Base.metadata is complete."""

from db.models import chat, core, customers, membership, orders, pipeline, service, tree, webhooks  # noqa: F401
from db.models.core import ApiToken, AuditEntry, Event, IdempotencyKey, Role, Staff, Tenant
from db.models.customers import Customer, CustomerTag
from db.models.tree import TierNode

__all__ = ["ApiToken", "AuditEntry", "Customer", "CustomerTag", "Event", "IdempotencyKey", "Role", "Staff", "Tenant", "TierNode"]
