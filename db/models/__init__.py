"""Every model module, imported so that Base.metadata is complete."""

from db.models import (  # noqa: F401
    chat,
    consent,
    core,
    customers,
    marketing,
    membership,
    orders,
    pipeline,
    service,
    tree,
    webhooks,
)
from db.models.core import ApiToken, AuditEntry, Event, IdempotencyKey, Role, Staff, Tenant
from db.models.customers import Customer, CustomerTag
from db.models.tree import TierNode

__all__ = ["ApiToken", "AuditEntry", "Customer", "CustomerTag", "Event", "IdempotencyKey", "Role", "Staff", "Tenant", "TierNode"]
