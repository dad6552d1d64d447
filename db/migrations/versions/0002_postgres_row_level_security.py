"""PostgreSQL row-level security per tenant and the append-only audit trigger (no-op on SQLite)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.models  # noqa: F401  - the metadata the policies are generated from
from db import rls
from db.base import Base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Idempotent statements generated from the models: a later migration that adds
    # tables runs rls.ddl() again to cover them.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for statement in rls.ddl(Base.metadata, existing):
        op.execute(statement)


def downgrade() -> None:
    pass
