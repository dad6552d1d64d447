"""Creating tenants and their first admin (CLI and demo; no GraphQL mutation on purpose)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import new_id
from db.models.core import Role, Staff, Tenant
from db.models.tree import TierNode, path_segment
from resolvers.common.errors import DomainError, ErrorCode
from resolvers.core.auth import check_password, hash_password, normalise_email, off_loop


async def get_or_create_tenant(
    session: AsyncSession, *, slug: str, name: str | None = None,
    reporting_currency: str = "EUR", root_code: str = "HQ", root_name: str | None = None,
    currency: str | None = None, locale: str = "en", timezone: str = "UTC",
) -> tuple[Tenant, TierNode]:
    """Runs in an all_tenants session; a new tenant gets its root node (the headquarters)."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        root = await session.scalar(
            select(TierNode).where(TierNode.tenant_id == tenant.id, TierNode.parent_id.is_(None))
        )
        assert root is not None
        return tenant, root
    tenant = Tenant(id=new_id(), slug=slug, name=name or slug, reporting_currency=reporting_currency)
    session.add(tenant)
    await session.flush()
    root_id = new_id()
    root = TierNode(
        tenant_id=tenant.id, id=root_id, parent_id=None, code=root_code,
        name=root_name or tenant.name, kind="headquarters", path=f"/{path_segment(root_id)}/",
        depth=0, currency=currency or reporting_currency, locale=locale, timezone=timezone,
    )
    session.add(root)
    await session.flush()
    return tenant, root


async def create_admin(
    session: AsyncSession, *, tenant: Tenant, root: TierNode, email: str, password: str,
    name: str = "Administrator",
) -> Staff:
    email = normalise_email(email)
    check_password(password, user_inputs=(name, email, tenant.slug))
    existing = await session.scalar(
        select(Staff).where(Staff.tenant_id == tenant.id, Staff.email == email)
    )
    if existing is not None:
        raise DomainError(ErrorCode.CONFLICT, f"{email} already exists in {tenant.slug}", ("email",))
    staff = Staff(
        tenant_id=tenant.id, name=name, email=email, role=Role.ADMIN, scope_node_id=root.id,
        password_hash=await off_loop(hash_password, password),
    )
    session.add(staff)
    await session.flush()
    return staff
