"""Email and phone encrypted at rest (with a keyring), found through blind indexes

The columns become TEXT (a sealed 320-character address is longer than 320). Existing
values were stored in plaintext, so the indexes are backfilled with the plain values,
which lookups also match (db/crypto.blind_candidates); with a keyring, `canopy keys
rotate --resume` then seals the values and blinds their keys.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:07:31.880161
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_bidx', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('phone_bidx', sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f('ix_customer_phone'))
    if postgres:  # SQLite enforces no length (db/migrate.compare_type): no table rebuild there
        op.alter_column('customer', 'email', existing_type=sa.VARCHAR(length=320), type_=sa.Text())
        op.alter_column('customer', 'phone', existing_type=sa.VARCHAR(length=32), type_=sa.Text())
        # every tenant's rows, past row security
        op.execute("SELECT set_config('canopy.all_tenants', 'on', true)")
    op.execute("UPDATE customer SET email_bidx = lower(email), phone_bidx = phone "
               "WHERE email IS NOT NULL OR phone IS NOT NULL")
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_email_bidx', ['tenant_id', 'email_bidx'], unique=False)
        batch_op.create_index('ix_customer_phone_bidx', ['tenant_id', 'phone_bidx'], unique=False)


def downgrade() -> None:
    # Values sealed since the upgrade no longer fit VARCHAR: decrypt first (no keyring, no downgrade).
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_phone_bidx')
        batch_op.drop_index('ix_customer_email_bidx')
        batch_op.create_index(batch_op.f('ix_customer_phone'), ['tenant_id', 'phone'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('customer', 'phone', existing_type=sa.Text(), type_=sa.VARCHAR(length=32))
        op.alter_column('customer', 'email', existing_type=sa.Text(), type_=sa.VARCHAR(length=320))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('phone_bidx')
        batch_op.drop_column('email_bidx')
