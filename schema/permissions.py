"""Permission classes: a field the viewer's role may not read is null with a FORBIDDEN error.

`@strawberry.field(extensions=requires("audit.read"))` checks the action against
resolvers.common.permissions.MATRIX, the single source of the role matrix.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from resolvers.common.permissions import can


class Allowed(BasePermission):
    """The viewer's role may perform `action` (see MATRIX)."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, action: str) -> None:
        self.action = action
        self.message = f"your role may not {action}"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = getattr(info.context, "viewer", None)
        return viewer is not None and can(viewer, self.action)


def requires(action: str) -> list[FieldExtension]:
    """Field extensions refusing the field (null + FORBIDDEN error) to roles without `action`."""
    return [PermissionExtension(permissions=[Allowed(action)], use_directives=False)]
