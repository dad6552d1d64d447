"""Revocations found at flush, announced through the broker after commit.

Whatever path writes them (revokeApiToken, a staff change, the CLI), a token
revoked or deleted, and a staff member deactivated, deleted or given another role,
scope or grants, close the websockets that were opened with that access at once
(Broker.revoke; in every process with Redis), instead of at the next re-check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect

from db.models.core import ApiToken, Staff
from db.session import CanopySession

REVOKED = "revoked_access"  # session.info: this transaction's revocation keys
BROKER = "broker"  # session.info: the broker to announce them to (set by the write context)
_STAFF_ACCESS = ("active", "role", "scope_node_id", "grants")


def _changed(obj: Any, *attrs: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


@event.listens_for(CanopySession, "before_flush")
def _collect(session: CanopySession, _ctx: Any, _instances: Any) -> None:
    keys: set[tuple[str, int, int]] = set()
    for obj in session.dirty:
        if isinstance(obj, ApiToken) and obj.revoked_at is not None and _changed(obj, "revoked_at"):
            keys.add(("token", obj.tenant_id, obj.id))
        elif isinstance(obj, Staff) and _changed(obj, *_STAFF_ACCESS):
            keys.add(("staff", obj.tenant_id, obj.id))
    for obj in session.deleted:
        if isinstance(obj, ApiToken):
            keys.add(("token", obj.tenant_id, obj.id))
        elif isinstance(obj, Staff):
            keys.add(("staff", obj.tenant_id, obj.id))
    if keys:
        session.info.setdefault(REVOKED, set()).update(keys)


@event.listens_for(CanopySession, "after_commit")
def _announce(session: CanopySession) -> None:
    keys = session.info.pop(REVOKED, None)
    broker = session.info.get(BROKER)
    if keys and broker is not None:
        broker.revoke_soon(sorted(keys))


@event.listens_for(CanopySession, "after_rollback")
def _forget(session: CanopySession) -> None:
    session.info.pop(REVOKED, None)
