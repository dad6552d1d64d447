"""Failed-login counters per account and per address (login throttling)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.BigInteger(), nullable=False),
        sa.Column('window_start', db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('locked_until', db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
