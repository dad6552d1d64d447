"""Who is asking: the authenticated staff member and the subtree they may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from db.models.core import Role


@dataclass(frozen=True)
class Viewer:
    staff_id: int
    tenant_id: int
    role: Role
    scope_node_id: int
    scope_path: str
    name: str = ""
    email: str = ""
    locale: str = "en"
    token_id: int | None = None
    grants: frozenset[str] = field(default_factory=frozenset)
    reporting_currency: str = "EUR"
    # A login session after resetStaffPassword: only `me` and `changeMyPassword` run (schema/extensions.py).
    password_change_required: bool = False

    def in_scope(self, path: str) -> bool:
        """A node (by its materialized path) lies in this viewer's subtree."""
        return path.startswith(self.scope_path)
