"""Per-customer paid-sales rollup kept by triggers (db/customer_stats.py), backfilled from the orders

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base
import db.models  # noqa: F401  - the metadata the policies are generated from
from db import customer_stats, rls
from db.base import Base

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('customer_order_stats',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('lifetime_value', sa.BigInteger(), nullable=False),
    sa.Column('order_count', sa.BigInteger(), nullable=False),
    sa.Column('first_order_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_order_at', db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customer.tenant_id', 'customer.id'], name=op.f('fk_customer_order_stats_tenant_id_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_customer_order_stats_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_customer_order_stats'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in rls.ddl(Base.metadata, {"customer_order_stats"}):
            op.execute(statement)
    for statement in customer_stats.ddl(dialect) + customer_stats.rebuild_sql():
        op.execute(statement)


def downgrade() -> None:
    for statement in customer_stats.drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('customer_order_stats')
