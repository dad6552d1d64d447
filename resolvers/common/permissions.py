"""The role matrix, enforced here and only here (docs/security.md mirrors it)."""

from __future__ import annotations

from db.models.core import Role
from resolvers.common.errors import DomainError, ErrorCode, not_found
from resolvers.common.viewer import Viewer

A, M, S, U, IN = Role.ADMIN, Role.MANAGER, Role.SALES, Role.SUPPORT, Role.INTEGRATOR

# action -> roles allowed. Everything is further confined to the viewer's subtree.
MATRIX: dict[str, frozenset[Role]] = {
    "tree.read": frozenset({A, M, S, U, IN}),
    "tree.write": frozenset({A, M}),
    "tenant.admin": frozenset({A}),
    "staff.read": frozenset({A, M, S, U, IN}),
    "staff.write": frozenset({A, M}),
    "token.write": frozenset({A, M, S, U, IN}),
    "token.others": frozenset({A, M}),
    "customer.read": frozenset({A, M, S, U, IN}),
    "customer.write": frozenset({A, M, S}),
    "customer.erase": frozenset({A, M}),
    "customer.export": frozenset({A, M}),
    "membership.read": frozenset({A, M, S, U, IN}),
    "membership.write": frozenset({A, M, S}),
    "points.adjust": frozenset({A, M}),
    "points.redeem": frozenset({A, M, S}),
    "coupon.write": frozenset({A, M, S}),
    "program.write": frozenset({A}),
    "order.read": frozenset({A, M, S, U, IN}),
    "order.write": frozenset({A, M, S}),
    "rate.write": frozenset({A}),
    "ticket.read": frozenset({A, M, S, U, IN}),
    "ticket.write": frozenset({A, M, U}),
    "interaction.read": frozenset({A, M, S, U, IN}),
    "interaction.write": frozenset({A, M, S, U}),
    "audit.read": frozenset({A, M}),
    "event.read": frozenset({A, M, IN}),
    "report.read": frozenset({A, M, S, U, IN}),
    "opportunity.read": frozenset({A, M, S, U, IN}),
    "opportunity.write": frozenset({A, M, S}),
    "task.read": frozenset({A, M, S, U}),
    "task.write": frozenset({A, M, S, U}),
    "chat.link": frozenset({A, M, S, U}),
    "segment.read": frozenset({A, M, S}),
    "segment.write": frozenset({A, M}),
    "campaign.read": frozenset({A, M, S}),
    "campaign.write": frozenset({A, M}),
}


def can(viewer: Viewer, action: str) -> bool:
    return viewer.role in MATRIX[action]


def require(viewer: Viewer, action: str) -> None:
    if not can(viewer, action):
        raise DomainError(ErrorCode.FORBIDDEN, f"role {viewer.role.value} may not {action}")


# Who outranks whom when one staff member acts on another (creates them, issues or
# revokes their tokens). The three working roles are peers that none may act on for another.
RANK: dict[Role, int] = {A: 3, M: 2, S: 1, U: 1, IN: 1}


def require_staff_authority(
    viewer: Viewer, target_role: Role, target_scope_path: str, *, field: str, what: str = "staff member",
) -> None:
    """The one rule for every action on a staff member or their tokens.

    The target must lie in the viewer's subtree (else it answers as missing), hold the
    viewer's role or one ranked below it, and only an admin acts on an admin. Since the
    target's scope is inside the viewer's and its role at most the viewer's, no action can
    raise anyone above, or widen anyone's scope beyond, the person who performs it.
    """
    if not viewer.in_scope(target_scope_path):
        raise not_found(what, field)
    if target_role is A and viewer.role is not A:
        raise DomainError(ErrorCode.FORBIDDEN, "only an admin may create or act on an admin", field)
    if target_role is not viewer.role and RANK[target_role] >= RANK[viewer.role]:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"a {viewer.role.value} may not act on a {target_role.value}", field
        )


def sees_pii(viewer: Viewer) -> bool:
    return viewer.role is not Role.INTEGRATOR or "pii" in viewer.grants


def matrix_table() -> str:
    """MATRIX as the markdown table docs/security.md shows (a test keeps them equal)."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(r.value for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action, allowed in MATRIX.items():
        lines.append(f"| `{action}` | " + " | ".join("✓" if r in allowed else "—" for r in roles) + " |")
    return "\n".join(lines)
